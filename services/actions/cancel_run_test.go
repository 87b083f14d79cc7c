package actions_test

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// recorder is a JobObserver that notes every change it hears of.
type recorder struct{ seen []string }

func (r *recorder) JobChanged(_ context.Context, c actions_service.JobChange) error {
	s := fmt.Sprintf("%s:%s", c.Job.JobID, c.Job.Status)
	if c.Runner != nil {
		s += "@" + c.Runner.Name
	}
	r.seen = append(r.seen, s)
	return nil
}

// runFixture is a repository, an instance runner and the service.
type runFixture struct {
	svc    *actions_service.Service
	runner *actions_model.Runner
	repo   *repo_model.Repository
}

func newRunFixture(t *testing.T, ctx context.Context) *runFixture {
	t.Helper()
	svc := newService(t)
	u := &user_model.User{Name: "octo"}
	require.NoError(t, user_model.CreateUser(ctx, u))
	repo := &repo_model.Repository{OwnerID: u.ID, Name: "app"}
	require.NoError(t, repo_model.CreateRepository(ctx, repo))
	tok, err := svc.DefaultRegistrationToken(ctx, identity.InstanceScope)
	require.NoError(t, err)
	reg, err := svc.Register(ctx, actions_service.RegisterInput{Name: "worker", RegistrationToken: tok, Labels: []string{"linux"}})
	require.NoError(t, err)
	return &runFixture{svc: svc, runner: reg.Runner, repo: repo}
}

func (f *runFixture) createRun(t *testing.T, ctx context.Context, jobs ...actions_service.JobInput) (*actions_model.Run, []*actions_model.RunJob) {
	t.Helper()
	for i := range jobs {
		jobs[i].RunsOn = []string{"linux"}
		jobs[i].Name = jobs[i].JobID
		jobs[i].WorkflowPayload = []byte("jobs:\n  " + jobs[i].JobID + ":\n    runs-on: linux\n")
	}
	run, rows, err := f.svc.CreateRun(ctx, actions_service.RunInput{OwnerID: f.repo.OwnerID, RepoID: f.repo.ID, Jobs: jobs})
	require.NoError(t, err)
	return run, rows
}

// take claims the next job for the runner and returns its task.
func (f *runFixture) take(t *testing.T, ctx context.Context) *actions_model.Task {
	t.Helper()
	res, err := f.svc.FetchTask(ctx, f.runner, 0)
	require.NoError(t, err)
	require.NotNil(t, res.Task, "a job is waiting")
	return res.Task.Task
}

func (f *runFixture) finish(t *testing.T, ctx context.Context, task *actions_model.Task, result actions_model.Status) *actions_service.TaskStateResult {
	t.Helper()
	res, err := f.svc.UpdateTask(ctx, f.runner, actions_service.TaskStateInput{TaskID: task.ID, Result: result})
	require.NoError(t, err)
	return res
}

func jobStatuses(t *testing.T, ctx context.Context, runID int64) map[string]actions_model.Status {
	t.Helper()
	jobs, err := actions_model.GetRunJobsByRunID(ctx, runID)
	require.NoError(t, err)
	out := map[string]actions_model.Status{}
	for _, j := range jobs {
		out[j.JobID] = j.Status
	}
	return out
}

func TestAdvanceRun_IfAlwaysRunsAfterFailedNeed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		run, _ := f.createRun(t, ctx,
			actions_service.JobInput{JobID: "build"},
			actions_service.JobInput{JobID: "deploy", Needs: []string{"build"}},
			actions_service.JobInput{JobID: "notify", Needs: []string{"build"}, If: "${{ always() }}"},
			actions_service.JobInput{JobID: "on_failure", Needs: []string{"build"}, If: "failure()"},
			actions_service.JobInput{JobID: "on_cancel", Needs: []string{"build"}, If: "cancelled()"},
		)
		f.finish(t, ctx, f.take(t, ctx), actions_model.StatusFailure)
		assert.Equal(t, map[string]actions_model.Status{
			"build":      actions_model.StatusFailure,
			"deploy":     actions_model.StatusSkipped,
			"notify":     actions_model.StatusWaiting,
			"on_failure": actions_model.StatusWaiting,
			"on_cancel":  actions_model.StatusSkipped,
		}, jobStatuses(t, ctx, run.ID))
	})
}

func TestCancelRun_EndsIdleJobsAndTellsTheRunner(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		obs := &recorder{}
		f.svc.SetJobObserver(obs)
		run, _ := f.createRun(t, ctx,
			actions_service.JobInput{JobID: "build"},
			actions_service.JobInput{JobID: "lint"},
			actions_service.JobInput{JobID: "deploy", Needs: []string{"build"}, If: "always()"},
		)
		task := f.take(t, ctx) // build runs; lint waits; deploy is blocked
		obs.seen = nil

		require.NoError(t, f.svc.CancelRun(ctx, run.ID))
		assert.Equal(t, map[string]actions_model.Status{
			"build":  actions_model.StatusCancelled,
			"lint":   actions_model.StatusCancelled,
			"deploy": actions_model.StatusCancelled,
		}, jobStatuses(t, ctx, run.ID), "cancelling the run does not start jobs that run always()")
		assert.Equal(t, []string{"lint:cancelled", "deploy:cancelled", "build:cancelled@worker"}, obs.seen)
		got, err := actions_model.GetRunByID(ctx, run.ID)
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusCancelled, got.Status)

		// The runner reports success afterwards: the server's cancel is final
		// and its answer says CANCELLED, which makes act_runner stop.
		res := f.finish(t, ctx, task, actions_model.StatusSuccess)
		assert.Equal(t, actions_model.StatusCancelled, res.Result)
		assert.Len(t, obs.seen, 3, "a late report changes nothing and tells nobody")

		err = f.svc.CancelRun(ctx, run.ID)
		assert.True(t, errors.Is(err, errs.FailedPrecondition), "cancelling an ended run: %v", err)
		assert.True(t, errors.Is(f.svc.CancelRun(ctx, 999999), errs.NotFound))
	})
}

func TestCancelJob_SkipsDependentsOfAnIdleJob(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		run, jobs := f.createRun(t, ctx,
			actions_service.JobInput{JobID: "build"},
			actions_service.JobInput{JobID: "test", Needs: []string{"build"}},
		)
		require.NoError(t, f.svc.CancelJob(ctx, jobs[0].ID))
		assert.Equal(t, map[string]actions_model.Status{
			"build": actions_model.StatusCancelled,
			"test":  actions_model.StatusSkipped,
		}, jobStatuses(t, ctx, run.ID))
		err := f.svc.CancelJob(ctx, jobs[0].ID)
		assert.True(t, errors.Is(err, errs.FailedPrecondition), "cancelling an ended job: %v", err)
		res, err := f.svc.FetchTask(ctx, f.runner, 0)
		require.NoError(t, err)
		assert.Nil(t, res.Task, "a cancelled job is never handed out")
	})
}

func TestJobObserver_HearsEveryChangeOnceInOrder(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		obs := &recorder{}
		f.svc.SetJobObserver(obs)
		f.createRun(t, ctx,
			actions_service.JobInput{JobID: "build"},
			actions_service.JobInput{JobID: "test", Needs: []string{"build"}},
		)
		build := f.take(t, ctx)
		f.finish(t, ctx, build, actions_model.StatusSuccess)
		f.finish(t, ctx, build, actions_model.StatusSuccess) // act_runner retries its final report
		test := f.take(t, ctx)
		f.finish(t, ctx, test, actions_model.StatusFailure)
		assert.Equal(t, []string{
			"build:waiting", "test:blocked",
			"build:running@worker", "build:success@worker", "test:waiting",
			"test:running@worker", "test:failure@worker",
		}, obs.seen)
	})
}

// failingObserver refuses every change, as an outbox whose insert fails would.
type failingObserver struct{}

func (failingObserver) JobChanged(context.Context, actions_service.JobChange) error {
	return errors.New("outbox is full")
}

func TestJobObserver_ItsErrorRollsTheChangeBack(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		_, jobs := f.createRun(t, ctx, actions_service.JobInput{JobID: "build"})
		f.svc.SetJobObserver(failingObserver{})
		_, err := f.svc.FetchTask(ctx, f.runner, 0)
		require.Error(t, err)
		j, err := actions_model.GetRunJobByID(ctx, jobs[0].ID)
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusWaiting, j.Status, "the claim did not happen without its event")
		assert.Zero(t, j.TaskID)
	})
}
