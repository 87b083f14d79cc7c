package actions_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// newServiceWith builds the service with options changed by configure.
func newServiceWith(t *testing.T, configure func(*options.Options)) *actions_service.Service {
	t.Helper()
	box, err := secret.NewBox("unit-test-key")
	require.NoError(t, err)
	o := options.Default()
	configure(o)
	return actions_service.New(o, box)
}

// countRows counts a table's rows.
func countRows(t *testing.T, ctx context.Context, bean any) int64 {
	t.Helper()
	n, err := db.GetEngine(ctx).Count(bean)
	require.NoError(t, err)
	return n
}

// TestCreateRun_PayloadBytesCapped: a host that builds its own jobs is held
// to MAX_RUN_PAYLOAD_BYTES too; the refusal names it and stores nothing.
func TestCreateRun_PayloadBytesCapped(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newServiceWith(t, func(o *options.Options) { o.Actions.MaxRunPayloadBytes = 1000 })
		job := func(id string, size int) actions_service.JobInput {
			return actions_service.JobInput{JobID: id, Name: id, RunsOn: []string{"linux"}, WorkflowPayload: []byte(strings.Repeat("#", size))}
		}
		_, _, err := svc.CreateRun(ctx, actions_service.RunInput{OwnerID: 1, RepoID: 1, Jobs: []actions_service.JobInput{job("a", 600), job("b", 401)}})
		require.ErrorIs(t, err, errs.InvalidArgument)
		assert.Contains(t, err.Error(), "1001 bytes")
		assert.Contains(t, err.Error(), "MAX_RUN_PAYLOAD_BYTES")
		assert.Zero(t, countRows(t, ctx, new(actions_model.Run)))
		assert.Zero(t, countRows(t, ctx, new(actions_model.RunJob)))

		_, jobs, err := svc.CreateRun(ctx, actions_service.RunInput{OwnerID: 1, RepoID: 1, Jobs: []actions_service.JobInput{job("a", 600), job("b", 400)}})
		require.NoError(t, err, "exactly the limit is allowed")
		assert.Len(t, jobs, 2)
	})
}

// labelRun is a one-job run of owner's repository on the given labels.
func labelRun(ownerID, repoID int64, labels ...string) actions_service.RunInput {
	return actions_service.RunInput{OwnerID: ownerID, RepoID: repoID, Jobs: []actions_service.JobInput{
		{JobID: "j", Name: "j", RunsOn: labels, WorkflowPayload: []byte("jobs: {j: {runs-on: x}}")},
	}}
}

// TestCreateRun_LabelSetsCappedPerOwner: an owner's unfinished jobs use at
// most MAX_LABEL_SETS_PER_OWNER distinct runs-on sets; a run past it is
// refused, naming the limit, before anything is written. Sets already in
// use stay usable, other owners are not held back, and sets come free as
// jobs finish.
func TestCreateRun_LabelSetsCappedPerOwner(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newServiceWith(t, func(o *options.Options) { o.Actions.MaxLabelSetsPerOwner = 5 })
		var runs []int64
		for i := range 5 {
			run, _, err := svc.CreateRun(ctx, labelRun(1, 10, "linux", strings.Repeat("x", i+1)))
			require.NoError(t, err)
			runs = append(runs, run.ID)
		}
		before := [3]int64{countRows(t, ctx, new(actions_model.Run)), countRows(t, ctx, new(actions_model.RunJob)), countRows(t, ctx, new(actions_model.LabelSet))}
		_, _, err := svc.CreateRun(ctx, labelRun(1, 11, "linux", "new"))
		require.ErrorIs(t, err, errs.InvalidArgument)
		assert.Contains(t, err.Error(), "MAX_LABEL_SETS_PER_OWNER")
		assert.Contains(t, err.Error(), "limit of 5")
		after := [3]int64{countRows(t, ctx, new(actions_model.Run)), countRows(t, ctx, new(actions_model.RunJob)), countRows(t, ctx, new(actions_model.LabelSet))}
		assert.Equal(t, before, after, "nothing written")

		_, _, err = svc.CreateRun(ctx, labelRun(1, 11, "x", "linux"))
		require.NoError(t, err, "a set the owner's jobs use already: same set in another order")
		_, _, err = svc.CreateRun(ctx, labelRun(2, 20, "linux", "new"))
		require.NoError(t, err, "another owner has its own allowance")

		require.NoError(t, svc.CancelRun(ctx, runs[1])) // {linux, xx}: no other run uses it
		_, _, err = svc.CreateRun(ctx, labelRun(1, 10, "linux", "new"))
		require.NoError(t, err, "a finished run's set no longer counts")
	})
}

// TestMaintenance_UnusedLabelSetsRemoved: a set no unfinished job has and
// none used for REMOVE_UNUSED_LABEL_SETS_AFTER is removed; one a job waits
// for, or that was used lately, is kept. A job queued between the pass
// reading its candidates and removing them keeps its set (the removal is a
// compare-and-set on last use and on the jobs), and a set removed before a
// job needs it again is created anew, which a runner's copy of the sets
// notices, so the job is still served.
func TestMaintenance_UnusedLabelSetsRemoved(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx, func(a *options.Actions) { a.RemoveUnusedLabelSetsAfter = time.Hour })
		setOf := func(labels ...string) (*actions_model.LabelSet, bool) {
			var s actions_model.LabelSet
			ok, err := db.GetEngine(ctx).Where("label_key = ?", actions_model.LabelKey(actions_model.CanonicalLabels(labels))).Get(&s)
			require.NoError(t, err)
			return &s, ok
		}
		queueOn := func(labels ...string) *actions_model.Run {
			run, _, err := f.svc.CreateRun(ctx, labelRun(f.repo.OwnerID, f.repo.ID, labels...))
			require.NoError(t, err)
			return run
		}
		done := queueOn("gone")
		queueOn("linux") // waits: no runner takes it in this test
		require.NoError(t, f.svc.CancelRun(ctx, done.ID))

		f.advance(30 * time.Minute)
		assert.Empty(t, f.maintain(), "used within the hour")
		f.advance(31 * time.Minute)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceLabelSetRemoved: 1}, f.maintain())
		_, ok := setOf("gone")
		assert.False(t, ok, "the finished run's set is removed")
		_, ok = setOf("linux")
		assert.True(t, ok, "a waiting job's set is kept, however old")
		assert.Equal(t, 1, f.counts.get(actions_service.MaintenanceLabelSetRemoved), "counted for /metrics")

		// Candidates read, then a job queued on the set: the removal loses.
		late := queueOn("late")
		require.NoError(t, f.svc.CancelRun(ctx, late.ID))
		f.advance(2 * time.Hour)
		candidates, err := actions_model.FindUnusedLabelSets(ctx, f.clock().Add(-time.Hour).Unix(), 100)
		require.NoError(t, err)
		require.Len(t, candidates, 1)
		queueOn("late")
		removed, err := actions_model.DeleteUnusedLabelSet(ctx, candidates[0].ID, f.clock().Add(-time.Hour).Unix())
		require.NoError(t, err)
		assert.False(t, removed, "the set a job was just queued on stays")

		// A set removed while a runner's process holds a copy, and another
		// one created: as many sets as before, but the copy is not current,
		// and the runner is served the new set's job.
		reg, err := f.svc.Register(ctx, actions_service.RegisterInput{Name: "solo", RegistrationToken: f.regToken, Labels: []string{"solo", "old"}})
		require.NoError(t, err)
		old := queueOn("old")
		require.NoError(t, f.svc.CancelRun(ctx, old.ID))
		res, err := f.svc.FetchTask(ctx, reg.Runner, 0)
		require.NoError(t, err)
		require.Nil(t, res.Task, "nothing for it yet; its process now holds a copy of the sets")
		countBefore := countRows(t, ctx, new(actions_model.LabelSet))
		f.advance(2 * time.Hour)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceLabelSetRemoved: 1}, f.maintain(), "old goes")
		queueOn("solo")
		require.Equal(t, countBefore, countRows(t, ctx, new(actions_model.LabelSet)), "one set gone, one new: the count alone cannot tell")
		res, err = f.svc.FetchTask(ctx, reg.Runner, 0)
		require.NoError(t, err)
		require.NotNil(t, res.Task, "the new set's job is found")
	})
}
