package integration

import (
	"context"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// A poll sent as act_runner sends it, with fetch_timeout as its deadline, is
// held while nothing is there and handed the job queued meanwhile.
func TestFetchTask_PollWithDeadlineWaitsForJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false, "linux")
		first, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		require.NoError(t, err)
		require.Nil(t, first.Msg.Task)

		answer := make(chan *runnerv1.FetchTaskResponse, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // sent as connect's timeout header
			defer cancel()
			res, err := r.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: first.Msg.TasksVersion}))
			if err != nil {
				t.Error(err)
				answer <- nil
				return
			}
			answer <- res.Msg
		}()
		require.Eventually(t, func() bool { return s.Actions.WaitingPolls() == 1 }, 10*time.Second, 5*time.Millisecond)
		s.QueueJobs(t, repo, []string{"linux"})
		res := <-answer
		require.NotNil(t, res)
		require.NotNil(t, res.Task, "the held poll is handed the job")
		require.Greater(t, res.TasksVersion, first.Msg.TasksVersion)
	}, func(o *options.Options) { o.Actions.FetchTaskWait = 30 * time.Second })
}
