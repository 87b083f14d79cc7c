package actions_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// queueFixture is an owner with two repositories and a service.
type queueFixture struct {
	svc        *actions_service.Service
	owner      *user_model.User
	app, other *repo_model.Repository
}

func newQueueFixture(t *testing.T, ctx context.Context) *queueFixture {
	t.Helper()
	f := &queueFixture{svc: newService(t), owner: &user_model.User{Name: "octo"}}
	require.NoError(t, user_model.CreateUser(ctx, f.owner))
	f.app = &repo_model.Repository{OwnerID: f.owner.ID, Name: "app"}
	require.NoError(t, repo_model.CreateRepository(ctx, f.app))
	f.other = &repo_model.Repository{OwnerID: f.owner.ID, Name: "other"}
	require.NoError(t, repo_model.CreateRepository(ctx, f.other))
	return f
}

// runner registers a runner in the scope; an online one has just been in touch.
func (f *queueFixture) runner(t *testing.T, ctx context.Context, sc identity.Scope, name string, online bool, labels ...string) *actions_model.Runner {
	t.Helper()
	tok, err := f.svc.DefaultRegistrationToken(ctx, sc)
	require.NoError(t, err)
	reg, err := f.svc.Register(ctx, actions_service.RegisterInput{Name: name, RegistrationToken: tok, Labels: labels})
	require.NoError(t, err)
	seen := int64(0)
	if online {
		seen = time.Now().Unix()
	}
	require.NoError(t, actions_model.TouchRunner(ctx, reg.Runner.ID, seen))
	reg.Runner.LastOnline = seen
	return reg.Runner
}

// queue queues one job per runs-on set in repo.
func (f *queueFixture) queue(t *testing.T, ctx context.Context, repo *repo_model.Repository, runsOn ...[]string) []*actions_model.RunJob {
	t.Helper()
	in := actions_service.RunInput{OwnerID: repo.OwnerID, RepoID: repo.ID}
	for i, labels := range runsOn {
		id := "job" + string(rune('a'+i))
		in.Jobs = append(in.Jobs, actions_service.JobInput{JobID: id, Name: id, RunsOn: labels, WorkflowPayload: []byte("jobs: {}")})
	}
	_, jobs, err := f.svc.CreateRun(ctx, in)
	require.NoError(t, err)
	return jobs
}

func groupOf(t *testing.T, v *actions_service.QueueView, labels ...string) *actions_service.QueueGroup {
	t.Helper()
	for _, g := range v.Groups {
		if assert.ObjectsAreEqual(labels, g.Labels) {
			return g
		}
	}
	t.Fatalf("no group %v", labels)
	return nil
}

func names(fits []actions_service.RunnerFit) []string {
	var out []string
	for _, f := range fits {
		out = append(out, f.Runner.Name)
	}
	return out
}

func TestQueue_GroupsByLabelSetAndSaysWhyTheyWait(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newQueueFixture(t, ctx)
		appScope := identity.ScopeOf(f.owner.ID, f.app.ID)
		ownerScope := identity.ScopeOf(f.owner.ID, 0)
		x64 := f.runner(t, ctx, identity.InstanceScope, "x64", true, "linux:host", "x64")
		f.runner(t, ctx, ownerScope, "gpu-box", false, "linux", "gpu")
		f.runner(t, ctx, identity.ScopeOf(f.owner.ID, f.other.ID), "other-gpu", true, "linux", "gpu", "cuda")
		f.queue(t, ctx, f.app, []string{"linux"}, []string{"linux"}, []string{"gpu", "linux"}, []string{"arm64"})
		f.queue(t, ctx, f.other, []string{"linux", "gpu"})

		v, err := f.svc.Queue(ctx, appScope, 10)
		require.NoError(t, err)
		assert.EqualValues(t, 4, v.Count, "the repository's own waiting jobs")
		assert.Equal(t, 2, v.Runners, "the instance's and the owner's runners; not another repository's")

		linux := groupOf(t, v, "linux")
		assert.EqualValues(t, 2, linux.Count)
		assert.Len(t, linux.Jobs, 2)
		assert.Equal(t, actions_service.QueueReady, linux.Reason)
		assert.Equal(t, 1, linux.Idle)
		assert.Empty(t, linux.Closest, "a runner can take them: no need to name near misses")

		gpu := groupOf(t, v, "gpu", "linux")
		assert.Equal(t, actions_service.QueueUnavailable, gpu.Reason, "the owner's gpu runner is offline; the other repository's does not serve this one")
		assert.Equal(t, 1, gpu.Unavailable)
		assert.Equal(t, []string{"gpu-box", "x64"}, names(gpu.Closest))
		assert.Empty(t, gpu.Closest[0].Missing)
		assert.Equal(t, []string{"gpu"}, gpu.Closest[1].Missing)

		arm := groupOf(t, v, "arm64")
		assert.Equal(t, actions_service.QueueNoMatch, arm.Reason)
		assert.Equal(t, []string{"x64", "gpu-box"}, names(arm.Closest), "as near as each other: the online one first")

		owner, err := f.svc.Queue(ctx, ownerScope, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 5, owner.Count)
		gpu = groupOf(t, owner, "gpu", "linux")
		assert.EqualValues(t, 2, gpu.Count)
		assert.Len(t, gpu.Repos, 2)
		assert.Len(t, gpu.Jobs, 1, "the oldest jobs only, as many as asked")
		assert.Equal(t, actions_service.QueueReady, gpu.Reason, "the other repository's runner can take its job")

		// x64 takes a linux job: the other one waits for it.
		res, err := f.svc.FetchTask(ctx, x64, 0)
		require.NoError(t, err)
		require.NotNil(t, res.Task)
		v, err = f.svc.Queue(ctx, appScope, 10)
		require.NoError(t, err)
		linux = groupOf(t, v, "linux")
		assert.EqualValues(t, 1, linux.Count)
		assert.Equal(t, actions_service.QueueBusy, linux.Reason)
		assert.Equal(t, 1, linux.Busy)
	})
}

func TestDiagnoseJob_TellsAWaitingJobWhatItWaitsFor(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newQueueFixture(t, ctx)
		f.runner(t, ctx, identity.InstanceScope, "x64", true, "linux")
		jobs := f.queue(t, ctx, f.app, []string{"arm64"}, []string{"arm64"})
		w, err := f.svc.DiagnoseJob(ctx, jobs[1])
		require.NoError(t, err)
		require.NotNil(t, w)
		assert.Equal(t, actions_service.QueueNoMatch, w.Reason)
		assert.EqualValues(t, 1, w.Ahead, "one job of its labels was queued before it")
		assert.Equal(t, []string{"x64"}, names(w.Closest))
		assert.Equal(t, []string{"arm64"}, w.Closest[0].Missing)

		jobs[0].Status = actions_model.StatusRunning
		w, err = f.svc.DiagnoseJob(ctx, jobs[0])
		require.NoError(t, err)
		assert.Nil(t, w, "a job that is not waiting waits for nothing")
	})
}
