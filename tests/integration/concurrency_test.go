package integration

import (
	"context"
	"sync"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestConcurrency_EveryJobExactlyOnce has 20 runners race for 200 jobs; each
// job must run exactly once and every one must run.
func TestConcurrency_EveryJobExactlyOnce(t *testing.T) {
	const runners, jobs = 20, 200
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		labels := make([][]string, jobs)
		for i := range labels {
			labels[i] = []string{"ubuntu-latest"}
		}
		jobIDs := s.QueueJobs(t, repo, labels...)

		var mu sync.Mutex
		seen := map[int64]int{} // job id → times run
		var wg sync.WaitGroup
		deadline := time.Now().Add(2 * time.Minute)
		for i := range runners {
			r := instanceRunner(t, s, "r"+string(rune('A'+i)), false)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				for time.Now().Before(deadline) {
					res, err := r.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
					if !assert.NoError(t, err) {
						return
					}
					task := res.Msg.Task
					if task == nil {
						mu.Lock()
						done := len(seen) == jobs
						mu.Unlock()
						if done {
							return
						}
						continue
					}
					stored, err := actions_model.GetTaskByID(s.Ctx, task.Id)
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					seen[stored.JobID]++
					mu.Unlock()
					_, err = r.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{
						State: &runnerv1.TaskState{Id: task.Id, Result: runnerv1.Result_RESULT_SUCCESS},
					}))
					if !assert.NoError(t, err) {
						return
					}
				}
			}()
		}
		wg.Wait()
		require.Len(t, seen, jobs, "every job ran")
		for _, id := range jobIDs {
			assert.Equal(t, 1, seen[id], "job %d ran exactly once", id)
		}
		n, err := s.Engine.Count(&actions_model.Task{})
		require.NoError(t, err)
		assert.Equal(t, int64(jobs), n, "one task per job")
	})
}
