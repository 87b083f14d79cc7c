package integration

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// testKillDuringLogStreams kills the server with SIGKILL while 100 runners
// stream their logs, restarts it on the same database, and lets the runners
// carry on from the last ack_index they heard, as act_runner does. Every
// acknowledged row must have survived, and every log must end up complete,
// in order, without a gap or a duplicate.
func testKillDuringLogStreams(t *testing.T, bin string) {
	const runners, rowsPerTask, rowsPerCall = 100, 40, 4
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			site := newFaultSite(t, b.NewDatabase(t))
			cfg := site.writeConfig(t, "server", site.dbo, "")
			srv := startServer(t, bin, cfg)
			var addr atomic.Pointer[string]
			url := srv.rpcURL()
			addr.Store(&url)

			regToken := site.registrationToken(t)
			site.queue(t, runners)
			streams := make([]*logStream, runners)
			for i := range streams {
				r := registerAt(t, url, regToken, fmt.Sprintf("streamer-%d", i), false)
				res, err := r.client(url).FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				require.NoError(t, err)
				require.NotNil(t, res.Msg.Task, "runner %d gets a job", i)
				streams[i] = &logStream{runner: r, taskID: res.Msg.Task.Id, total: rowsPerTask, perCall: rowsPerCall}
			}

			errc := make(chan error, runners)
			for _, st := range streams {
				go func() { errc <- st.run(&addr) }()
			}
			acked := func() (n int64) {
				for _, st := range streams {
					n += st.acked.Load()
				}
				return n
			}
			require.Eventually(t, func() bool { return acked() >= runners*rowsPerTask/3 }, time.Minute, time.Millisecond,
				"the streams get going; stderr: %s", srv.logs)
			srv.kill()
			ackedAtKill := make([]int64, runners)
			for i, st := range streams {
				ackedAtKill[i] = st.acked.Load()
			}
			require.Less(t, acked(), int64(runners*rowsPerTask), "the kill came in the middle of the streams")

			var stored, unheard int64
			for i, st := range streams {
				task, err := actions_model.GetTaskByID(site.ctx, st.taskID)
				require.NoError(t, err)
				require.GreaterOrEqual(t, task.LogLength, ackedAtKill[i], "task %d: every acknowledged row survived the kill", st.taskID)
				stored += task.LogLength
				unheard += task.LogLength - ackedAtKill[i]
			}
			t.Logf("at the kill: %d rows acknowledged, %d stored (%d whose answer was lost)", acked(), stored, unheard)

			// A new variable, not url: the streams still read the old one
			// through addr while the new address is being stored.
			restarted := startServer(t, bin, cfg)
			restartedURL := restarted.rpcURL()
			addr.Store(&restartedURL)
			for range streams {
				require.NoError(t, <-errc)
			}

			for _, st := range streams {
				lines, err := actions_model.ReadLogLines(site.ctx, st.taskID, 0, rowsPerTask+10)
				require.NoError(t, err)
				require.Len(t, lines, rowsPerTask, "task %d: the whole log, no duplicate", st.taskID)
				for i, l := range lines {
					require.Equal(t, st.content(int64(i)), l.Content, "task %d row %d: in order, no gap", st.taskID, i)
					assert.Equal(t, st.time(int64(i)).UnixNano(), l.UnixNano)
				}
				task, err := actions_model.GetTaskByID(site.ctx, st.taskID)
				require.NoError(t, err)
				assert.True(t, task.LogClosed)
				assert.Equal(t, int64(rowsPerTask), task.LogLength)
			}
		})
	}
}

// logStream sends one task's log the way act_runner's reporter does: rows
// from the last acknowledged index on, again and again until acknowledged.
type logStream struct {
	runner         *procRunner
	taskID         int64
	total, perCall int64
	acked          atomic.Int64 // the highest ack_index heard
}

var streamEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (s *logStream) content(i int64) string { return fmt.Sprintf("task %d row %d", s.taskID, i) }
func (s *logStream) time(i int64) time.Time {
	return streamEpoch.Add(time.Duration(i) * time.Millisecond)
}

func (s *logStream) rows(from, to int64) []*runnerv1.LogRow {
	rows := make([]*runnerv1.LogRow, 0, to-from)
	for i := from; i < to; i++ {
		rows = append(rows, &runnerv1.LogRow{Time: timestamppb.New(s.time(i)), Content: s.content(i)})
	}
	return rows
}

// run streams until the log is closed. A server that is away is retried; an
// answer that says rows went missing ends the stream with an error.
func (s *logStream) run(addr *atomic.Pointer[string]) error {
	deadline := time.Now().Add(3 * time.Minute)
	for s.acked.Load() < s.total {
		if time.Now().After(deadline) {
			return fmt.Errorf("task %d: stuck at %d of %d rows", s.taskID, s.acked.Load(), s.total)
		}
		from := s.acked.Load()
		to := min(from+s.perCall, s.total)
		res, err := s.runner.client(*addr.Load()).UpdateLog(context.Background(), connect.NewRequest(&runnerv1.UpdateLogRequest{
			TaskId: s.taskID, Index: from, Rows: s.rows(from, to), NoMore: to == s.total,
		}))
		if err != nil {
			switch connect.CodeOf(err) {
			case connect.CodeInvalidArgument, connect.CodePermissionDenied, connect.CodeNotFound,
				connect.CodeFailedPrecondition, connect.CodeUnauthenticated, connect.CodeResourceExhausted:
				return fmt.Errorf("task %d from row %d: %w", s.taskID, from, err)
			}
			time.Sleep(5 * time.Millisecond) // the server is away; act_runner retries too
			continue
		}
		ack := res.Msg.AckIndex
		if ack < from || ack > to {
			return fmt.Errorf("task %d: sent rows %d..%d, ack_index %d", s.taskID, from, to, ack)
		}
		s.acked.Store(ack)
	}
	return nil
}
