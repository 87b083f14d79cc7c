package actions_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestRunnerCache_RetiredEphemeralRunnersLeaveNoEntries replays a busy
// autoscaler: 100 ephemeral runners each take a job, finish it, send their
// late logs and poll once more. None of them may stay in the cache.
func TestRunnerCache_RetiredEphemeralRunnersLeaveNoEntries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx)
		const n = 100
		jobs := make([]actions_service.JobInput, n)
		for i := range jobs {
			jobs[i] = actions_service.JobInput{JobID: "j" + strconv.Itoa(i)}
		}
		f.queue(jobs...)
		for i := 0; i < n; i++ {
			r := f.register("eph-"+strconv.Itoa(i), true)
			authed, err := f.svc.AuthenticateRunner(ctx, r.UUID, r.token, actions_service.CallOther)
			require.NoError(t, err)
			task := f.take(&maintRunner{Runner: authed, token: r.token})
			_, err = f.svc.UpdateTask(ctx, authed, actions_service.TaskStateInput{TaskID: task.ID, Result: actions_model.StatusSuccess, StoppedAt: f.clock()})
			require.NoError(t, err)

			// Its late log report is still accepted (within the grace)...
			late, err := f.svc.AuthenticateRunner(ctx, r.UUID, r.token, actions_service.CallTaskReport)
			require.NoError(t, err, "runner %d may still report its own task", i)
			assert.True(t, late.IsDeleted())
			// ...and its next poll is told it was removed.
			_, err = f.svc.AuthenticateRunner(ctx, r.UUID, r.token, actions_service.CallOther)
			require.ErrorIs(t, err, actions_service.ErrRunnerRemoved)
		}
		assert.Zero(t, f.svc.CachedRunners(), "no retired runner is kept")

		// Runners that stop calling are swept once their entries expire.
		for i := 0; i < 10; i++ {
			r := f.register("long-"+strconv.Itoa(i), false)
			_, err := f.svc.AuthenticateRunner(ctx, r.UUID, r.token, actions_service.CallOther)
			require.NoError(t, err)
		}
		require.Equal(t, 10, f.svc.CachedRunners())
		f.advance(f.opts.Actions.RunnerAuthCacheTTL + time.Second)
		r := f.register("late", false)
		_, err := f.svc.AuthenticateRunner(ctx, r.UUID, r.token, actions_service.CallOther)
		require.NoError(t, err)
		assert.Equal(t, 1, f.svc.CachedRunners(), "expired entries were dropped; only the runner that just called is kept")
	})
}
