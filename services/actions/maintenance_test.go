package actions_test

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// maintFleet is a repository, runners and a service whose clock the test moves.
type maintFleet struct {
	t        *testing.T
	ctx      context.Context
	opts     *options.Options
	svc      *actions_service.Service
	mu       sync.Mutex
	now      time.Time
	regToken string
	repo     *repo_model.Repository
	counts   *maintCounts
}

// maintRunner is a registered runner with its credentials.
type maintRunner struct {
	*actions_model.Runner
	token string
}

// maintCounts is a Recorder that counts maintenance actions by kind.
type maintCounts struct {
	mu   sync.Mutex
	kind map[string]int
}

func (c *maintCounts) JobClaimed(time.Duration) {}

func (c *maintCounts) MaintenanceDone(kind string) {
	c.mu.Lock()
	c.kind[kind]++
	c.mu.Unlock()
}

func (c *maintCounts) get(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kind[kind]
}

func newMaintFleet(t *testing.T, ctx context.Context, configure ...func(*options.Actions)) *maintFleet {
	t.Helper()
	o := options.Default()
	for _, c := range configure {
		c(&o.Actions)
	}
	f := &maintFleet{t: t, ctx: ctx, opts: o, now: time.Now(), counts: &maintCounts{kind: map[string]int{}}}
	f.svc = f.newProcess()
	u := &user_model.User{Name: "octo"}
	require.NoError(t, user_model.CreateUser(ctx, u))
	f.repo = &repo_model.Repository{OwnerID: u.ID, Name: "app"}
	require.NoError(t, repo_model.CreateRepository(ctx, f.repo))
	var err error
	f.regToken, err = f.svc.DefaultRegistrationToken(ctx, identity.InstanceScope)
	require.NoError(t, err)
	return f
}

// newProcess is another server process on the same database and clock.
func (f *maintFleet) newProcess() *actions_service.Service {
	box, err := secret.NewBox("unit-test-key")
	require.NoError(f.t, err)
	svc := actions_service.New(f.opts, box)
	svc.SetClock(f.clock)
	svc.SetRecorder(f.counts)
	return svc
}

func (f *maintFleet) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *maintFleet) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *maintFleet) register(name string, ephemeral bool) *maintRunner {
	f.t.Helper()
	reg, err := f.svc.Register(f.ctx, actions_service.RegisterInput{Name: name, RegistrationToken: f.regToken, Labels: []string{"linux"}, Ephemeral: ephemeral})
	require.NoError(f.t, err)
	return &maintRunner{Runner: reg.Runner, token: reg.Token}
}

// queue creates a run of the given jobs, all on label linux.
func (f *maintFleet) queue(jobs ...actions_service.JobInput) (*actions_model.Run, []*actions_model.RunJob) {
	f.t.Helper()
	for i := range jobs {
		jobs[i].RunsOn = []string{"linux"}
		jobs[i].Name = jobs[i].JobID
		jobs[i].WorkflowPayload = []byte("jobs:\n  " + jobs[i].JobID + ":\n    runs-on: linux\n")
	}
	run, rows, err := f.svc.CreateRun(f.ctx, actions_service.RunInput{OwnerID: f.repo.OwnerID, RepoID: f.repo.ID, Jobs: jobs})
	require.NoError(f.t, err)
	return run, rows
}

func (f *maintFleet) take(r *maintRunner) *actions_model.Task {
	f.t.Helper()
	res, err := f.svc.FetchTask(f.ctx, r.Runner, 0)
	require.NoError(f.t, err)
	require.NotNil(f.t, res.Task, "a job is waiting for %s", r.Name)
	return res.Task.Task
}

// report sends a running report for the task, as a runner's reporter does every second.
func (f *maintFleet) report(r *maintRunner, task *actions_model.Task, steps ...actions_service.StepStateInput) *actions_service.TaskStateResult {
	f.t.Helper()
	authed, err := f.svc.AuthenticateRunner(f.ctx, r.UUID, r.token, actions_service.CallTaskReport)
	require.NoError(f.t, err)
	res, err := f.svc.UpdateTask(f.ctx, authed, actions_service.TaskStateInput{TaskID: task.ID, Result: actions_model.StatusRunning, Steps: steps})
	require.NoError(f.t, err)
	return res
}

func (f *maintFleet) maintain() actions_service.MaintenanceReport {
	f.t.Helper()
	rep, err := f.svc.RunMaintenance(f.ctx)
	require.NoError(f.t, err)
	return rep
}

func (f *maintFleet) job(id int64) *actions_model.RunJob {
	f.t.Helper()
	j, err := actions_model.GetRunJobByID(f.ctx, id)
	require.NoError(f.t, err)
	return j
}

func (f *maintFleet) task(id int64) *actions_model.Task {
	f.t.Helper()
	task, err := actions_model.GetTaskByID(f.ctx, id)
	require.NoError(f.t, err)
	return task
}

func (f *maintFleet) run(id int64) *actions_model.Run {
	f.t.Helper()
	r, err := actions_model.GetRunByID(f.ctx, id)
	require.NoError(f.t, err)
	return r
}

func (f *maintFleet) isLive(r *maintRunner) bool {
	f.t.Helper()
	_, err := actions_model.GetRunnerByID(f.ctx, r.ID)
	if err != nil {
		require.ErrorIs(f.t, err, errs.NotFound)
		return false
	}
	return true
}

func TestMaintenance_RunnerLostBeforeAnyStepRequeuesOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx)
		lost, next := f.register("lost", false), f.register("next", false)
		run, jobs := f.queue(actions_service.JobInput{JobID: "build"})
		first := f.take(lost)
		version, err := actions_model.GetTasksVersion(ctx, 0, 0)
		require.NoError(t, err)

		f.advance(9 * time.Minute)
		assert.Empty(t, f.maintain(), "silent for less than TASK_STALE_AFTER: nothing happens")

		f.advance(2 * time.Minute)
		rep := f.maintain()
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceStaleTaskRequeued: 1}, rep)
		assert.Equal(t, 1, f.counts.get(actions_service.MaintenanceStaleTaskRequeued), "counted for /metrics")
		assert.Equal(t, actions_model.StatusFailure, f.task(first.ID).Status, "the lost task is over")
		assert.Equal(t, actions_model.StatusFailure, f.job(jobs[0].ID).Status, "the lost attempt's job row ends with its task")
		latest, err := actions_model.GetLatestRunJobsByRunID(ctx, run.ID)
		require.NoError(t, err)
		require.Len(t, latest, 1)
		j := latest[0]
		assert.NotEqual(t, jobs[0].ID, j.ID, "the job is given back as a new job id")
		assert.Equal(t, jobs[0].ID, j.RetryOf)
		assert.Equal(t, jobs[0].Attempt, j.Attempt, "of the same attempt")
		assert.Equal(t, actions_model.StatusWaiting, j.Status, "the job waits for another runner")
		assert.Zero(t, j.TaskID)
		assert.Equal(t, f.clock().Unix(), j.Queued, "its wait starts again")
		assert.Equal(t, actions_model.StatusRunning, f.run(run.ID).Status, "the run goes on with the new row")

		res, err := f.svc.FetchTask(ctx, next.Runner, version)
		require.NoError(t, err)
		require.NotNil(t, res.Task, "tasks_version moved on, so a runner that saw the old one looks again")
		second := res.Task.Task
		assert.Equal(t, j.ID, second.JobID)
		res, err = f.svc.FetchTask(ctx, lost.Runner, 0)
		require.NoError(t, err)
		assert.Nil(t, res.Task, "the job is claimed exactly once")

		stale := f.report(lost, first)
		assert.Equal(t, actions_model.StatusFailure, stale.Result, "a late report of the lost task tells its runner to stop")

		f.advance(11 * time.Minute)
		f.report(lost, first) // the first runner is alive again; only the second one is silent now
		rep = f.maintain()
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceStaleTaskFailed: 1}, rep, "queued again only once")
		assert.Equal(t, actions_model.StatusFailure, f.job(j.ID).Status)
		assert.Equal(t, actions_model.StatusFailure, f.run(run.ID).Status)
		assert.Empty(t, f.maintain(), "nothing is left to do")
	})
}

func TestMaintenance_RunnerLostMidJobFailsItAndRemovesEphemeral(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx)
		eph := f.register("eph", true)
		run, jobs := f.queue(actions_service.JobInput{JobID: "build"}, actions_service.JobInput{JobID: "deploy", Needs: []string{"build"}})
		task := f.take(eph)
		f.report(eph, task, actions_service.StepStateInput{Index: 0, Result: actions_model.StatusRunning, StartedAt: f.clock()})

		f.advance(11 * time.Minute)
		rep := f.maintain()
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceStaleTaskFailed: 1}, rep)
		assert.Equal(t, actions_model.StatusFailure, f.task(task.ID).Status)
		assert.Equal(t, actions_model.StatusFailure, f.job(jobs[0].ID).Status)
		assert.Equal(t, actions_model.StatusSkipped, f.job(jobs[1].ID).Status, "the run moves on as when a runner reports failure")
		assert.Equal(t, actions_model.StatusFailure, f.run(run.ID).Status)
		assert.False(t, f.isLive(eph), "the ephemeral runner took its one job and is removed")
		_, err := f.svc.FetchTask(ctx, eph.Runner, 0)
		require.Error(t, err)
	})
}

func TestMaintenance_ReportingRunnerKeepsItsTask(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx)
		busy := f.register("busy", false)
		f.queue(actions_service.JobInput{JobID: "long"})
		task := f.take(busy)
		for range 6 { // an hour-long job that keeps reporting and never polls
			f.advance(9 * time.Minute)
			f.report(busy, task)
			assert.Empty(t, f.maintain())
		}
		assert.Equal(t, actions_model.StatusRunning, f.task(task.ID).Status)
	})
}

func TestMaintenance_TaskPastJobTimeoutFails(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx, func(a *options.Actions) {
			a.JobTimeout = time.Hour
			a.RemoveUnusedLabelSetsAfter = 0 // that rule has its own test
		})
		r := f.register("r", false)
		f.queue(actions_service.JobInput{JobID: "endless"})
		task := f.take(r)
		f.advance(50 * time.Minute)
		f.report(r, task)
		assert.Empty(t, f.maintain())
		f.advance(11 * time.Minute)
		f.report(r, task)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceTaskTimedOut: 1}, f.maintain())
		assert.Equal(t, actions_model.StatusFailure, f.report(r, task).Result, "the runner is told to stop")
	})
}

func TestMaintenance_IdleEphemeralRunnersRemoved(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx, func(a *options.Actions) { a.TaskStaleAfter, a.JobTimeout = 0, 1000*24*time.Hour })
		idle := f.register("idle-eph", true)
		worker := f.register("busy-eph", true)
		plain := f.register("plain", false)
		f.queue(actions_service.JobInput{JobID: "build"})
		f.take(worker)

		f.advance(23 * time.Hour)
		assert.Empty(t, f.maintain())
		f.advance(2 * time.Hour)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceIdleEphemeralRemoved: 1}, f.maintain())
		assert.False(t, f.isLive(idle))
		assert.True(t, f.isLive(worker), "an ephemeral runner with its job is not idle")
		assert.True(t, f.isLive(plain), "offline runners stay unless that rule is switched on")
		_, err := f.svc.AuthenticateRunner(ctx, idle.UUID, idle.token, actions_service.CallOther)
		assert.ErrorIs(t, err, errs.Unauthenticated, "its credential stops working")

		late := f.register("late-eph", true)
		removed, err := actions_model.DeleteIdleEphemeralRunner(ctx, late.ID, f.clock().Unix())
		require.NoError(t, err)
		require.True(t, removed)
		res, err := f.svc.FetchTask(ctx, late.Runner, 0)
		if err == nil {
			assert.Nil(t, res.Task, "a runner removed under a poll cannot claim a job")
		}
	})
}

func TestMaintenance_OfflineRunnersRemovedOnlyWhenSwitchedOn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx, func(a *options.Actions) { a.TaskStaleAfter, a.JobTimeout = 0, 1000*24*time.Hour })
		gone := f.register("gone", false)
		busy := f.register("busy-offline", false)
		f.queue(actions_service.JobInput{JobID: "build"})
		f.take(busy)
		f.advance(100 * 24 * time.Hour)
		assert.Empty(t, f.maintain(), "off by default")
		assert.True(t, f.isLive(gone))

		f.opts.Actions.RemoveOfflineRunnersAfter = 7 * 24 * time.Hour
		svc := f.newProcess()
		back := f.register("back", false)
		rep, err := svc.RunMaintenance(ctx)
		require.NoError(t, err)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceOfflineRunnerRemoved: 1}, rep)
		assert.False(t, f.isLive(gone))
		assert.True(t, f.isLive(busy), "a runner with a task left is handled by the stale-task rule first")
		assert.True(t, f.isLive(back), "a runner in touch stays")
	})
}

func TestMaintenance_OldWaitingJobsCancelled(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx, func(a *options.Actions) {
			a.TaskStaleAfter, a.JobTimeout = 0, 1000*24*time.Hour
			a.RemoveUnusedLabelSetsAfter = 0 // that rule has its own test
		})
		r := f.register("r", false)
		chainRun, chain := f.queue(actions_service.JobInput{JobID: "first"}, actions_service.JobInput{JobID: "second", Needs: []string{"first"}})
		task := f.take(r)
		oldRun, old := f.queue(actions_service.JobInput{JobID: "unserved"}, actions_service.JobInput{JobID: "after", Needs: []string{"unserved"}})

		f.advance(23 * time.Hour)
		assert.Empty(t, f.maintain())
		_, err := f.svc.UpdateTask(ctx, r.Runner, actions_service.TaskStateInput{TaskID: task.ID, Result: actions_model.StatusSuccess})
		require.NoError(t, err)
		require.Equal(t, actions_model.StatusWaiting, f.job(chain[1].ID).Status)

		f.advance(2 * time.Hour)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceWaitingJobCancelled: 1}, f.maintain())
		assert.Equal(t, actions_model.StatusCancelled, f.job(old[0].ID).Status)
		assert.Equal(t, actions_model.StatusSkipped, f.job(old[1].ID).Status, "what needs it is skipped")
		assert.Equal(t, actions_model.StatusCancelled, f.run(oldRun.ID).Status)
		assert.Equal(t, actions_model.StatusWaiting, f.job(chain[1].ID).Status,
			"a job blocked behind a long need has waited for a runner only since the need ended")

		f.advance(23 * time.Hour)
		assert.Equal(t, actions_service.MaintenanceReport{actions_service.MaintenanceWaitingJobCancelled: 1}, f.maintain())
		assert.Equal(t, actions_model.StatusCancelled, f.job(chain[1].ID).Status)
		assert.Equal(t, actions_model.StatusCancelled, f.run(chainRun.ID).Status)
	})
}

func TestMaintenance_TwoProcessesActOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx)
		const n = 4
		for i := range n {
			r := f.register("lost", false)
			f.queue(actions_service.JobInput{JobID: "build"})
			task := f.take(r)
			if i%2 == 0 { // half of them had started: they fail; the others are queued again
				f.report(r, task, actions_service.StepStateInput{Index: 0, Result: actions_model.StatusRunning, StartedAt: f.clock()})
			}
			f.register("idle", true)
		}
		f.advance(25 * time.Hour)
		procs := []*actions_service.Service{f.svc, f.newProcess(), f.newProcess()}
		reps := make([]actions_service.MaintenanceReport, len(procs))
		var wg sync.WaitGroup
		for i, p := range procs {
			wg.Go(func() {
				rep, err := p.RunMaintenance(ctx)
				assert.NoError(t, err)
				reps[i] = rep
			})
		}
		wg.Wait()
		total := actions_service.MaintenanceReport{}
		for _, rep := range reps {
			for k, v := range rep {
				total[k] += v
			}
		}
		assert.Equal(t, actions_service.MaintenanceReport{
			actions_service.MaintenanceStaleTaskFailed:      n / 2,
			actions_service.MaintenanceStaleTaskRequeued:    n / 2,
			actions_service.MaintenanceIdleEphemeralRemoved: n,
		}, total, "each action is taken by exactly one process")
		assert.Equal(t, n/2, f.counts.get(actions_service.MaintenanceStaleTaskRequeued))
	})
}

func TestStartMaintenance_RunsUntilStopped(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newMaintFleet(t, ctx, func(a *options.Actions) { a.MaintenanceInterval = 10 * time.Millisecond })
		idle := f.register("idle", true)
		f.advance(25 * time.Hour)
		stop := f.svc.StartMaintenance(ctx)
		require.Eventually(t, func() bool { return !f.isLive(idle) }, 10*time.Second, 10*time.Millisecond)
		stop() // returns once the loop has exited
	})
}
