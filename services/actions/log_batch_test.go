package actions_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

func logLines(task, first, n int) []actions_model.LogLine {
	rows := make([]actions_model.LogLine, n)
	for i := range rows {
		rows[i] = actions_model.LogLine{UnixNano: int64(first + i), Content: fmt.Sprintf("task %d line %d", task, first+i)}
	}
	return rows
}

func TestUpdateLog_ConcurrentCallsEachStoredOnce(t *testing.T) {
	sharedDatabase(t, func(*options.Actions) {}, func(t *testing.T, a, _ *process, repo *repo_model.Repository) {
		const tasks, calls, rows = 6, 15, 10
		r := a.register(t, "linux")
		ids := make([]int64, tasks)
		for i := range ids {
			a.queue(t, repo, "linux")
			res, err := a.svc.FetchTask(a.ctx, r, 0)
			require.NoError(t, err)
			require.NotNil(t, res.Task)
			ids[i] = res.Task.Task.ID
		}

		var wg sync.WaitGroup
		for i, id := range ids {
			// Two senders per task, as when a runner resends a call whose
			// answer it lost: every call is sent twice, concurrently.
			for range 2 {
				wg.Go(func() {
					for c := range calls {
						ack, err := a.svc.UpdateLog(a.ctx, r, actions_service.LogInput{TaskID: id, Index: int64(c * rows), Rows: logLines(i, c*rows, rows), NoMore: c == calls-1})
						if !assert.NoError(t, err) {
							return
						}
						assert.GreaterOrEqual(t, ack, int64((c+1)*rows), "the rows of this call are stored")
					}
				})
			}
		}
		wg.Wait()

		for i, id := range ids {
			got, err := a.svc.ReadLog(a.ctx, id, 0, calls*rows+1)
			require.NoError(t, err)
			assert.Equal(t, logLines(i, 0, calls*rows), got, "task %d's log holds each row once, in order", i)
			n, err := db.GetEngine(a.ctx).Where("task_id = ?", id).Count(new(actions_model.LogChunk))
			require.NoError(t, err)
			assert.Equal(t, int64(calls), n, "one chunk row per call that stored rows")
		}
	})
}
