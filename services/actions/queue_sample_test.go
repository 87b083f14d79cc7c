package actions_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

func TestSampleQueue_OncePerBucketAcrossProcessesWithRetention(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newQueueFixture(t, ctx)
		base := time.Now().Truncate(time.Minute).Add(time.Minute)
		at := func(d time.Duration) func() time.Time { return func() time.Time { return base.Add(d) } }
		x64 := f.runner(t, ctx, identity.InstanceScope, "x64", true, "linux")
		f.queue(t, ctx, f.app, []string{"linux"}, []string{"arm64"})
		f.queue(t, ctx, f.other, []string{"arm64"})
		_, err := db.GetEngine(ctx).Exec("UPDATE action_run_job SET queued = ?", base.Add(-30*time.Second).Unix())
		require.NoError(t, err)

		f.svc.SetClock(at(10 * time.Second))
		res, err := f.svc.FetchTask(ctx, x64, 0)
		require.NoError(t, err)
		require.NotNil(t, res.Task, "picked up after 40 s")

		f.svc.SetClock(at(65 * time.Second))
		wrote, err := f.svc.SampleQueue(ctx)
		require.NoError(t, err)
		assert.True(t, wrote)
		box, err := secret.NewBox("unit-test-key")
		require.NoError(t, err)
		second := actions_service.New(options.Default(), box) // another server process on the same database
		second.SetClock(at(70 * time.Second))
		wrote, err = second.SampleQueue(ctx)
		require.NoError(t, err)
		assert.False(t, wrote, "the bucket is written once, whoever samples first")
		n, err := db.GetEngine(ctx).Count(new(actions_model.QueueSample))
		require.NoError(t, err)
		assert.EqualValues(t, 3, n, "one row per repository with jobs, and the instance's")

		all, err := f.svc.QueueHistory(ctx, identity.InstanceScope, time.Hour)
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, base.Add(time.Minute).UTC(), all[0].At)
		assert.EqualValues(t, 2, all[0].Waiting)
		assert.EqualValues(t, 1, all[0].Picked)
		assert.Equal(t, 40*time.Second, all[0].AvgWait)
		assert.Equal(t, 95*time.Second, all[0].LongestWait, "the arm64 jobs have waited longer than the one picked up")

		app, err := f.svc.QueueHistory(ctx, identity.ScopeOf(f.owner.ID, f.app.ID), time.Hour)
		require.NoError(t, err)
		require.Len(t, app, 1)
		assert.EqualValues(t, 1, app[0].Waiting)
		assert.EqualValues(t, 1, app[0].Picked)
		owner, err := f.svc.QueueHistory(ctx, identity.ScopeOf(f.owner.ID, 0), time.Hour)
		require.NoError(t, err)
		require.Len(t, owner, 1)
		assert.EqualValues(t, 2, owner[0].Waiting, "an owner's queue is its repositories' together")

		// Later, with nothing waiting in one repository: its bucket is a zero,
		// and samples past the retention are gone.
		f.svc.SetClock(at(25 * time.Hour))
		wrote, err = f.svc.SampleQueue(ctx)
		require.NoError(t, err)
		assert.True(t, wrote)
		all, err = f.svc.QueueHistory(ctx, identity.InstanceScope, 48*time.Hour)
		require.NoError(t, err)
		require.Len(t, all, 1, "the first sample is older than the retention")
		assert.Zero(t, all[0].Picked)
	})
}
