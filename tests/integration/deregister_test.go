package integration

import (
	"context"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	runnerhubv1 "code.runnerhub.dev/runnerhub/proto/runnerhub/runner/v1"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

func TestDeregister_IdleRunner(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		r := instanceRunner(t, s, "r", false)
		_, err := s.DeregisterClient(r.UUID, r.Token).CallUnary(context.Background(), connect.NewRequest(&runnerhubv1.DeregisterRequest{}))
		require.NoError(t, err)
		_, err = r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		requireCode(t, err, connect.CodeUnauthenticated, "the token stops working at once")
		_, err = s.DeregisterClient(r.UUID, r.Token).CallUnary(context.Background(), connect.NewRequest(&runnerhubv1.DeregisterRequest{}))
		requireCode(t, err, connect.CodeUnauthenticated, "a second deregister finds nobody")
		_, total, err := actions_model.FindRunners(s.Ctx, actions_model.FindRunnerOptions{})
		require.NoError(t, err)
		assert.Zero(t, total)
	})
}

func TestDeregister_BusyRunnerNeedsForce(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "r", false)
		jobIDs := s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, r)
		require.NotNil(t, task)
		dc := s.DeregisterClient(r.UUID, r.Token)

		_, err := dc.CallUnary(context.Background(), connect.NewRequest(&runnerhubv1.DeregisterRequest{}))
		requireCode(t, err, connect.CodeFailedPrecondition)
		assert.Nil(t, fetch(t, r), "the refused runner is still registered")

		_, err = dc.CallUnary(context.Background(), connect.NewRequest(&runnerhubv1.DeregisterRequest{Force: true}))
		require.NoError(t, err)
		stored, err := actions_model.GetTaskByID(s.Ctx, task.Id)
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusCancelled, stored.Status, "force cancels the task first")
		job, err := actions_model.GetRunJobByID(s.Ctx, jobIDs[0])
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusCancelled, job.Status)
		_, err = r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		requireCode(t, err, connect.CodeUnauthenticated)
	})
}
