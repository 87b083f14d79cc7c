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
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

func TestEphemeral_OneTaskEvenUnderRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "eph", true)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"}, []string{"ubuntu-latest"}, []string{"ubuntu-latest"})

		var mu sync.Mutex
		var tasks []*runnerv1.Task
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				if !assert.NoError(t, err) {
					return
				}
				if res.Msg.Task != nil {
					mu.Lock()
					tasks = append(tasks, res.Msg.Task)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		require.Len(t, tasks, 1, "an ephemeral runner gets one task, however many polls race")

		// While the task runs, polls get no task and no error.
		assert.Nil(t, fetch(t, r))
		waiting, err := actions_model.FindWaitingJobIDs(s.Ctx, actions_model.LabelKey([]string{"ubuntu-latest"}), actions_model.JobScope{}, 10)
		require.NoError(t, err)
		assert.Len(t, waiting, 2, "the other jobs stay queued for other runners")
	})
}

func TestEphemeral_RetiredAfterTaskButLastLogsLand(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "eph", true)
		bystander := instanceRunner(t, s, "other", false)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"}, []string{"ubuntu-latest"})
		task := fetch(t, r)
		require.NotNil(t, task)
		otherTask := fetch(t, bystander)
		require.NotNil(t, otherTask)
		ctx := context.Background()

		_, err := r.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows("a", 5)}))
		require.NoError(t, err)
		// act_runner's reporter may send the final state before its last logs.
		finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS)

		_, err = r.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		requireCode(t, err, connect.CodeUnauthenticated)
		assert.Contains(t, err.Error(), "removed")
		_, err = r.Client.Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{}))
		requireCode(t, err, connect.CodeUnauthenticated)
		runners, _, err := actions_model.FindRunners(s.Ctx, actions_model.FindRunnerOptions{})
		require.NoError(t, err)
		for _, rn := range runners {
			assert.NotEqual(t, r.UUID, rn.UUID, "a retired runner is in no list")
		}

		// Its late logs for its own task still land, up to no_more.
		res, err := r.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Index: 5, Rows: logRows("b", 3), NoMore: true}))
		require.NoError(t, err)
		assert.Equal(t, int64(8), res.Msg.AckIndex)
		lines, err := s.Actions.ReadLog(s.Ctx, task.Id, 0, 100)
		require.NoError(t, err)
		assert.Len(t, lines, 8)
		// The final state report after the log is answered, not refused.
		assert.Equal(t, runnerv1.Result_RESULT_SUCCESS, finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS).State.Result)
		// But never for another runner's task.
		_, err = r.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: otherTask.Id, Rows: logRows("x", 1)}))
		requireCode(t, err, connect.CodePermissionDenied)
	})
}

func TestEphemeral_GraceExpires(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "eph", true)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, r)
		require.NotNil(t, task)
		finish(t, r, task.Id, runnerv1.Result_RESULT_FAILURE)

		s.Actions.SetClock(func() time.Time { return time.Now().Add(s.Opts.Actions.EphemeralLogGrace + time.Second) })
		_, err := r.Client.UpdateLog(context.Background(), connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows("late", 1)}))
		requireCode(t, err, connect.CodeUnauthenticated)
	}, func(o *options.Options) { o.Actions.RunnerAuthCacheTTL = 0 })
}

func TestEphemeral_NonEphemeralKeepsTakingJobs(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "steady", false)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"}, []string{"ubuntu-latest"})
		for range 2 {
			task := fetch(t, r)
			require.NotNil(t, task)
			finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS)
		}
		assert.Nil(t, fetch(t, r))
	})
}
