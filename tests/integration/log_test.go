package integration

import (
	"context"
	"strings"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

func TestUpdateLog_AppendResendGapAndClose(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, r)
		require.NotNil(t, task)
		ctx := context.Background()
		send := func(index int64, rows []*runnerv1.LogRow, noMore bool) (int64, error) {
			res, err := r.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Index: index, Rows: rows, NoMore: noMore}))
			if err != nil {
				return 0, err
			}
			return res.Msg.AckIndex, nil
		}
		first := logRows("first-", 4)
		ack, err := send(0, first, false)
		require.NoError(t, err)
		assert.Equal(t, int64(4), ack)

		ack, err = send(0, first, false)
		require.NoError(t, err)
		assert.Equal(t, int64(4), ack, "a resend of stored rows is idempotent")

		overlap := append(first[2:], logRows("second-", 2)...)
		ack, err = send(2, overlap, false)
		require.NoError(t, err)
		assert.Equal(t, int64(6), ack, "only the rows not yet stored are appended")

		_, err = send(10, logRows("gap-", 1), false)
		requireCode(t, err, connect.CodeInvalidArgument, "rows past a gap")
		_, err = send(-1, logRows("neg-", 1), false)
		requireCode(t, err, connect.CodeInvalidArgument, "negative index")
		_, err = send(6, []*runnerv1.LogRow{{Content: strings.Repeat("x", s.Opts.Actions.MaxLogRowBytes+1)}}, false)
		requireCode(t, err, connect.CodeResourceExhausted, "oversized row")

		ack, err = send(6, []*runnerv1.LogRow{{Content: ""}}, true)
		require.NoError(t, err)
		assert.Equal(t, int64(7), ack, "act_runner closes with one empty row")
		ack, err = send(6, []*runnerv1.LogRow{{Content: ""}}, true)
		require.NoError(t, err)
		assert.Equal(t, int64(7), ack, "a repeated close is answered")
		_, err = send(7, logRows("after-", 1), false)
		requireCode(t, err, connect.CodeFailedPrecondition, "the log is closed")

		lines, err := s.Actions.ReadLog(s.Ctx, task.Id, 0, 100)
		require.NoError(t, err)
		require.Len(t, lines, 7)
		assert.Equal(t, first[0].Content, lines[0].Content)
		assert.Equal(t, "second-a", lines[4].Content)
		assert.Equal(t, first[0].Time.AsTime().UnixNano(), lines[0].UnixNano)
		tail, err := s.Actions.ReadLog(s.Ctx, task.Id, 5, 1)
		require.NoError(t, err)
		require.Len(t, tail, 1)
		assert.Equal(t, "second-b", tail[0].Content)

		stored, err := actions_model.GetTaskByID(s.Ctx, task.Id)
		require.NoError(t, err)
		assert.True(t, stored.LogClosed)
		assert.Equal(t, int64(7), stored.LogLength)
		chunks, err := s.Engine.Count(&actions_model.LogChunk{TaskID: task.Id})
		require.NoError(t, err)
		assert.Equal(t, int64(3), chunks, "one row per accepted call, not per line")
	})
}

func TestUpdateLog_LimitsPerCallAndTask(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, r)
		require.NotNil(t, task)
		ctx := context.Background()
		_, err := r.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows("r", 11)}))
		requireCode(t, err, connect.CodeResourceExhausted, "more rows than allowed in one call")
		_, err = r.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: []*runnerv1.LogRow{{Content: strings.Repeat("y", 60)}, {Content: strings.Repeat("y", 60)}}}))
		requireCode(t, err, connect.CodeResourceExhausted, "the task's log would grow past its limit")
		stored, err := actions_model.GetTaskByID(s.Ctx, task.Id)
		require.NoError(t, err)
		assert.Zero(t, stored.LogLength, "refused calls store nothing")
	}, func(o *options.Options) {
		o.Actions.MaxLogRowsPerRequest = 10
		o.Actions.MaxLogBytesPerTask = 100
	})
}
