package actions_test

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// process is one server process's view of a shared database: its own
// engine and service, as `runnerhub serve` would have.
type process struct {
	ctx context.Context
	svc *actions_service.Service
}

func newProcess(t *testing.T, x *xorm.Engine, configure func(*options.Actions)) *process {
	t.Helper()
	o := options.Default()
	configure(&o.Actions)
	box, err := secret.NewBox("test-secret-key")
	require.NoError(t, err)
	return &process{ctx: db.WithEngine(context.Background(), x), svc: actions_service.New(o, box)}
}

// sharedDatabase runs fn on each backend with two processes on one fresh database.
func sharedDatabase(t *testing.T, configure func(*options.Actions), fn func(t *testing.T, a, b *process, repo *repo_model.Repository)) {
	for _, be := range dbtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			dbo := be.NewDatabase(t)
			var procs [2]*process
			for i := range procs {
				x, err := db.Open(dbo)
				require.NoError(t, err)
				t.Cleanup(func() { _ = x.Close() })
				procs[i] = newProcess(t, x, configure)
			}
			a := procs[0]
			require.NoError(t, migrations.Migrate(a.ctx, db.Engine(a.ctx), migrations.Standalone))
			u := &user_model.User{Name: "octo"}
			require.NoError(t, user_model.CreateUser(a.ctx, u))
			repo := &repo_model.Repository{OwnerID: u.ID, Name: "app"}
			require.NoError(t, repo_model.CreateRepository(a.ctx, repo))
			fn(t, a, procs[1], repo)
		})
	}
}

func (p *process) register(t *testing.T, labels ...string) *actions_model.Runner {
	t.Helper()
	tok, err := p.svc.DefaultRegistrationToken(p.ctx, identity.InstanceScope)
	require.NoError(t, err)
	reg, err := p.svc.Register(p.ctx, actions_service.RegisterInput{Name: "r", RegistrationToken: tok, Labels: labels})
	require.NoError(t, err)
	return reg.Runner
}

func (p *process) queue(t *testing.T, repo *repo_model.Repository, runsOn ...string) {
	t.Helper()
	_, _, err := p.svc.CreateRun(p.ctx, actions_service.RunInput{OwnerID: repo.OwnerID, RepoID: repo.ID, Jobs: []actions_service.JobInput{
		{JobID: "build", Name: "build", RunsOn: runsOn, WorkflowPayload: []byte("jobs:\n  build:\n    runs-on: linux\n")},
	}})
	require.NoError(t, err)
}

// fetchAsync polls as act_runner does, with a deadline, and delivers the answer.
func (p *process) fetchAsync(r *actions_model.Runner, seen int64) <-chan *actions_service.FetchResult {
	ch := make(chan *actions_service.FetchResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
		defer cancel()
		res, err := p.svc.FetchTask(ctx, r, seen)
		if err != nil {
			res = nil
		}
		ch <- res
	}()
	return ch
}

// waitPolls returns once n polls wait in p.
func (p *process) waitPolls(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return p.svc.WaitingPolls() == n }, 10*time.Second, 5*time.Millisecond)
}

func TestFetchTask_WaitingPollGetsJobQueuedMeanwhile(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.FetchTaskWait = 30 * time.Second }, func(t *testing.T, a, _ *process, repo *repo_model.Repository) {
		r := a.register(t, "linux")
		first, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)
		require.Nil(t, first.Task)

		answer := a.fetchAsync(r, first.TasksVersion)
		a.waitPolls(t, 1)
		a.queue(t, repo, "linux")
		res := <-answer
		require.NotNil(t, res, "the poll ended with an error")
		require.NotNil(t, res.Task, "the waiting poll is handed the job queued while it waited")
		assert.Equal(t, 0, a.svc.WaitingPolls())
	})
}

func TestFetchTask_WaitingPollWakesForJobQueuedByAnotherProcess(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.FetchTaskWait = 30 * time.Second }, func(t *testing.T, a, b *process, repo *repo_model.Repository) {
		r := a.register(t, "linux")
		first, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)

		answer := a.fetchAsync(r, first.TasksVersion)
		a.waitPolls(t, 1)
		b.queue(t, repo, "linux")
		res := <-answer
		require.NotNil(t, res)
		require.NotNil(t, res.Task, "the poll waiting in one process is handed the job another process queued")
	})
}

func TestFetchTask_WaitingPollIgnoresJobsItCannotRun(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.FetchTaskWait = 30 * time.Second }, func(t *testing.T, a, _ *process, repo *repo_model.Repository) {
		r := a.register(t, "linux")
		first, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)

		answer := a.fetchAsync(r, first.TasksVersion)
		a.waitPolls(t, 1)
		a.queue(t, repo, "windows")
		a.queue(t, repo, "linux")
		res := <-answer
		require.NotNil(t, res)
		require.NotNil(t, res.Task, "the poll keeps waiting through a job for other runners")
		job, err := actions_model.GetRunJobByID(a.ctx, res.Task.Task.JobID)
		require.NoError(t, err)
		assert.Equal(t, []string{"linux"}, job.RunsOnList())
	})
}

func TestFetchTask_AnswersAtOnceWithoutDeadline(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.FetchTaskWait = time.Hour }, func(t *testing.T, a, _ *process, _ *repo_model.Repository) {
		r := a.register(t, "linux")
		first, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			res, err := a.svc.FetchTask(a.ctx, r, first.TasksVersion) // no deadline: a client that may not wait
			assert.NoError(t, err)
			assert.Nil(t, res.Task)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("a poll without a deadline was held")
		}
		assert.Equal(t, 0, a.svc.WaitingPolls())
	})
}

func TestFetchTask_OwnQueueSeenAtOnceWhateverTheRecheck(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.TasksVersionRecheck = time.Hour }, func(t *testing.T, a, _ *process, repo *repo_model.Repository) {
		r := a.register(t, "linux")
		first, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)
		a.queue(t, repo, "linux")
		res, err := a.svc.FetchTask(a.ctx, r, first.TasksVersion)
		require.NoError(t, err)
		require.NotNil(t, res.Task, "a job this process queued is seen by its next poll")
	})
}

func TestFetchTask_NewLabelSetFromAnotherProcess(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) {}, func(t *testing.T, a, b *process, repo *repo_model.Repository) {
		r := a.register(t, "linux", "gpu")
		a.queue(t, repo, "linux")
		res, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)
		require.NotNil(t, res.Task, "label sets are now cached in a")
		seen := res.TasksVersion

		b.queue(t, repo, "gpu") // a label set a has never seen
		require.Eventually(t, func() bool {
			res, err := a.svc.FetchTask(a.ctx, r, seen)
			require.NoError(t, err)
			if res.Task != nil {
				return true
			}
			seen = res.TasksVersion
			return false
		}, 10*time.Second, 10*time.Millisecond, "the job with the new label set reaches the runner")
	})
}

func TestTouch_ContactsWrittenTogether(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) {}, func(t *testing.T, a, _ *process, _ *repo_model.Repository) {
		r1, r2 := a.register(t, "linux"), a.register(t, "linux")
		start := time.Now()
		at := func(d time.Duration) { a.svc.SetClock(func() time.Time { return start.Add(d) }) }
		lastOnline := func(r *actions_model.Runner) int64 {
			got, err := actions_model.GetRunnerByUUID(a.ctx, r.UUID)
			require.NoError(t, err)
			return got.LastOnline
		}

		at(time.Minute)
		_, err := a.svc.FetchTask(a.ctx, r1, 0)
		require.NoError(t, err)
		assert.Equal(t, start.Add(time.Minute).Unix(), lastOnline(r1), "nothing written for a while: written at once")
		_, err = a.svc.FetchTask(a.ctx, r2, 0)
		require.NoError(t, err)
		assert.Less(t, lastOnline(r2), start.Add(time.Minute).Unix(), "a write just happened: this contact waits for the next")

		at(2 * time.Minute)
		_, err = a.svc.FetchTask(a.ctx, r1, 0)
		require.NoError(t, err)
		assert.Equal(t, start.Add(2*time.Minute).Unix(), lastOnline(r1))
		assert.Equal(t, start.Add(2*time.Minute).Unix(), lastOnline(r2), "the waiting contact is written with the next one")
	})
}

func TestFetchTask_RunnerRemovedByAnotherProcessToldAtItsNextClaim(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.RunnerAuthCacheTTL = time.Hour }, func(t *testing.T, a, b *process, repo *repo_model.Repository) {
		tok, err := a.svc.DefaultRegistrationToken(a.ctx, identity.InstanceScope)
		require.NoError(t, err)
		reg, err := a.svc.Register(a.ctx, actions_service.RegisterInput{Name: "r", RegistrationToken: tok, Labels: []string{"linux"}})
		require.NoError(t, err)
		cached, err := a.svc.AuthenticateRunner(a.ctx, reg.Runner.UUID, reg.Token, actions_service.CallOther)
		require.NoError(t, err)

		require.NoError(t, b.svc.DeleteRunner(b.ctx, identity.InstanceScope, reg.Runner.ID))
		a.queue(t, repo, "linux")
		stale, err := a.svc.AuthenticateRunner(a.ctx, reg.Runner.UUID, reg.Token, actions_service.CallOther)
		require.NoError(t, err, "a's copy of the runner is still trusted")
		_, err = a.svc.FetchTask(a.ctx, stale, 0)
		require.ErrorIs(t, err, actions_service.ErrRunnerRemoved, "the claim finds the runner gone and says so")
		_, err = a.svc.AuthenticateRunner(a.ctx, reg.Runner.UUID, reg.Token, actions_service.CallOther)
		require.ErrorIs(t, err, actions_service.ErrRunnerRemoved, "and a's copy knows it now")
		assert.False(t, cached.IsDeleted())
	})
}

func TestFetchTask_PollsPastTheLimitAnsweredAtOnce(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.FetchTaskWait, a.FetchTaskMaxWaiting = 30*time.Second, 1 }, func(t *testing.T, a, _ *process, repo *repo_model.Repository) {
		r1, r2 := a.register(t, "linux"), a.register(t, "linux")
		first, err := a.svc.FetchTask(a.ctx, r1, 0)
		require.NoError(t, err)
		held := a.fetchAsync(r1, first.TasksVersion)
		a.waitPolls(t, 1)

		ctx, cancel := context.WithTimeout(a.ctx, time.Minute)
		defer cancel()
		res, err := a.svc.FetchTask(ctx, r2, first.TasksVersion)
		require.NoError(t, err)
		assert.Nil(t, res.Task)
		assert.True(t, res.WaitRefused, "one poll waits already: the second is answered at once")

		a.queue(t, repo, "linux")
		got := <-held
		require.NotNil(t, got)
		assert.NotNil(t, got.Task)
		assert.False(t, got.WaitRefused)
	})
}

func TestFetchTask_ClaimSeesJobsQueuedElsewhereBeforeThePoll(t *testing.T) {
	sharedDatabase(t, func(a *options.Actions) { a.TasksVersionRecheck = time.Hour }, func(t *testing.T, a, b *process, repo *repo_model.Repository) {
		r := a.register(t, "linux")
		a.queue(t, repo, "linux")
		first, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)
		require.NotNil(t, first.Task)
		none, err := a.svc.FetchTask(a.ctx, r, 0)
		require.NoError(t, err)
		require.Nil(t, none.Task, "a has looked for more jobs and found none")
		b.queue(t, repo, "linux")
		res, err := a.svc.FetchTask(a.ctx, r, 0) // as act_runner polls after a task
		require.NoError(t, err)
		require.NotNil(t, res.Task, "a claim finds what was queued before the poll, whatever a's cached version says")
	})
}
