package actions_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// attempts lists a run's job rows as "jobid#attempt:status", oldest first.
func attempts(t *testing.T, ctx context.Context, runID int64) []string {
	t.Helper()
	jobs, err := actions_model.GetRunJobsByRunID(ctx, runID)
	require.NoError(t, err)
	var out []string
	for _, j := range jobs {
		out = append(out, j.JobID+"#"+strconv.FormatInt(j.Attempt, 10)+":"+j.Status.String())
	}
	return out
}

func runOf(t *testing.T, ctx context.Context, id int64) *actions_model.Run {
	t.Helper()
	run, err := actions_model.GetRunByID(ctx, id)
	require.NoError(t, err)
	return run
}

func TestRerunFailedJobs_NewAttemptOfFailedJobsAndTheirDependents(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		obs := &recorder{}
		f.svc.SetJobObserver(obs)
		run, _ := f.createRun(t, ctx,
			actions_service.JobInput{JobID: "lint"},
			actions_service.JobInput{JobID: "build"},
			actions_service.JobInput{JobID: "deploy", Needs: []string{"build"}},
		)
		f.finish(t, ctx, f.take(t, ctx), actions_model.StatusSuccess) // lint
		f.finish(t, ctx, f.take(t, ctx), actions_model.StatusFailure) // build; deploy is skipped
		require.Equal(t, actions_model.StatusFailure, runOf(t, ctx, run.ID).Status)

		err := f.svc.RerunFailedJobs(ctx, run.ID)
		require.NoError(t, err)
		assert.Equal(t, []string{"lint#1:success", "build#1:failure", "deploy#1:skipped", "build#2:waiting", "deploy#2:blocked"},
			attempts(t, ctx, run.ID), "the failed job and the one that needs it get new rows; the old rows stay as they ended")
		got := runOf(t, ctx, run.ID)
		assert.Equal(t, int64(2), got.Attempt)
		assert.Equal(t, actions_model.StatusWaiting, got.Status)
		assert.Zero(t, got.Stopped)

		obs.seen = nil
		task := f.take(t, ctx)
		assert.Equal(t, int64(2), task.Attempt, "the task runs the new attempt")
		f.finish(t, ctx, task, actions_model.StatusSuccess)
		res, err := f.svc.FetchTask(ctx, f.runner, 0)
		require.NoError(t, err)
		require.NotNil(t, res.Task, "deploy of attempt 2 waits once build of attempt 2 succeeded")
		assert.Equal(t, actions_model.StatusSuccess, res.Task.Needs["build"].Result, "its need is the latest attempt's result")
		f.finish(t, ctx, res.Task.Task, actions_model.StatusSuccess)
		assert.Equal(t, []string{"build:running@worker", "build:success@worker", "deploy:waiting", "deploy:running@worker", "deploy:success@worker"}, obs.seen)
		assert.Equal(t, actions_model.StatusSuccess, runOf(t, ctx, run.ID).Status, "the run ends on its latest attempt")

		err = f.svc.RerunFailedJobs(ctx, run.ID)
		assert.ErrorIs(t, err, errs.FailedPrecondition, "nothing failed")
		assert.ErrorContains(t, err, "no job")
	})
}

func TestRerunJob_OnlyThatJobWhenItsNeedsSucceeded(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		obs := &recorder{}
		f.svc.SetJobObserver(obs)
		run, jobs := f.createRun(t, ctx,
			actions_service.JobInput{JobID: "build"},
			actions_service.JobInput{JobID: "deploy", Needs: []string{"build"}},
		)
		err := f.svc.RerunJob(ctx, jobs[1].ID)
		assert.ErrorIs(t, err, errs.FailedPrecondition, "a run under way is not run again")
		assert.Len(t, attempts(t, ctx, run.ID), 2, "and nothing changed")

		f.finish(t, ctx, f.take(t, ctx), actions_model.StatusSuccess)
		f.finish(t, ctx, f.take(t, ctx), actions_model.StatusSuccess)
		obs.seen = nil
		require.NoError(t, f.svc.RerunJob(ctx, jobs[1].ID))
		assert.Equal(t, []string{"build#1:success", "deploy#1:success", "deploy#2:waiting"}, attempts(t, ctx, run.ID))
		assert.Equal(t, []string{"deploy:waiting"}, obs.seen, "the new job is told queued at once: its need is over")

		f.finish(t, ctx, f.take(t, ctx), actions_model.StatusFailure)
		require.NoError(t, f.svc.RerunJob(ctx, jobs[0].ID), "a job of an earlier attempt names its job")
		assert.Equal(t, []string{"build#1:success", "deploy#1:success", "deploy#2:failure", "build#3:waiting", "deploy#3:blocked"},
			attempts(t, ctx, run.ID), "the jobs that need it run again too")
		assert.Equal(t, int64(3), runOf(t, ctx, run.ID).Attempt)
	})
}

func TestRerunRun_EveryJobAndOnlyOnceAtATime(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newRunFixture(t, ctx)
		run, _ := f.createRun(t, ctx, actions_service.JobInput{JobID: "a"}, actions_service.JobInput{JobID: "b"})
		require.NoError(t, f.svc.CancelRun(ctx, run.ID))

		const callers = 4
		var wg sync.WaitGroup
		results := make([]error, callers)
		for i := range callers {
			wg.Go(func() { results[i] = f.svc.RerunRun(ctx, run.ID) })
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			if err == nil {
				won++
				continue
			}
			assert.ErrorIs(t, err, errs.FailedPrecondition, "the others are told the run is under way again")
		}
		assert.Equal(t, 1, won, "one attempt is started, however many ask at once")
		assert.Equal(t, []string{"a#1:cancelled", "b#1:cancelled", "a#2:waiting", "b#2:waiting"}, attempts(t, ctx, run.ID))
	})
}
