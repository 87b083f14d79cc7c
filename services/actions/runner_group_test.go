package actions_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// groupWorld is org acme with repositories app and lib, org other with
// repository x, user alice, and a service that knows them.
type groupWorld struct {
	ctx    context.Context
	svc    *actions_service.Service
	acc    identity.Standalone
	owner  *identity.User
	alice  *identity.User
	acme   identity.Scope
	other  identity.Scope
	repos  map[string]*identity.Repo
	labels []string
}

func newGroupWorld(t *testing.T, ctx context.Context) *groupWorld {
	t.Helper()
	w := &groupWorld{ctx: ctx, acc: identity.NewStandalone(), repos: map[string]*identity.Repo{}, labels: []string{"linux"}}
	w.svc = newGroupService(t, identity.NewStandalone())
	var err error
	w.owner, err = w.acc.CreateUser(ctx, identity.CreateUserInput{Name: "owner", Password: "owner-password"})
	require.NoError(t, err)
	w.alice, err = w.acc.CreateUser(ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
	require.NoError(t, err)
	for _, org := range []struct {
		name  string
		repos []string
		scope *identity.Scope
	}{{"acme", []string{"app", "lib"}, &w.acme}, {"other", []string{"x"}, &w.other}} {
		o, err := w.acc.CreateOrg(ctx, w.owner, org.name)
		require.NoError(t, err)
		*org.scope = identity.OwnerScope(o)
		for _, name := range org.repos {
			r, err := w.acc.CreateRepo(ctx, w.owner, o, name)
			require.NoError(t, err)
			w.repos[name] = r
		}
	}
	return w
}

func newGroupService(t *testing.T, ids identity.Provider) *actions_service.Service {
	t.Helper()
	box, err := secret.NewBox("test-secret-key")
	require.NoError(t, err)
	svc := actions_service.New(options.Default(), box)
	svc.SetIdentity(ids)
	return svc
}

// register makes a runner with the scope's token, or with a group's token when group is set.
func (w *groupWorld) register(t *testing.T, sc identity.Scope, group int64) *actions_model.Runner {
	t.Helper()
	var tok string
	var err error
	if group != 0 {
		tok, err = w.svc.GroupRegistrationToken(w.ctx, sc, group)
	} else {
		tok, err = w.svc.DefaultRegistrationToken(w.ctx, sc)
	}
	require.NoError(t, err)
	reg, err := w.svc.Register(w.ctx, actions_service.RegisterInput{Name: "r", RegistrationToken: tok, Labels: w.labels})
	require.NoError(t, err)
	return reg.Runner
}

// queue queues one job in the repository and returns its id.
func (w *groupWorld) queue(t *testing.T, repo string) int64 {
	t.Helper()
	r := w.repos[repo]
	_, jobs, err := w.svc.CreateRun(w.ctx, actions_service.RunInput{OwnerID: r.Owner.ID, RepoID: r.ID, Jobs: []actions_service.JobInput{
		{JobID: "build", Name: "build", RunsOn: w.labels, WorkflowPayload: []byte("jobs:\n  build:\n    runs-on: linux\n")},
	}})
	require.NoError(t, err)
	return jobs[0].ID
}

// poll is a runner's poll that has seen the version it was last told, as
// act_runner sends it; it returns the job handed out, or 0.
func poll(t *testing.T, ctx context.Context, svc *actions_service.Service, r *actions_model.Runner, seen *int64) int64 {
	t.Helper()
	res, err := svc.FetchTask(ctx, r, *seen)
	require.NoError(t, err)
	*seen = res.TasksVersion
	if res.Task == nil {
		return 0
	}
	return res.Task.Task.JobID
}

func (w *groupWorld) group(t *testing.T, sc identity.Scope, name, visibility string, repos ...string) *actions_model.RunnerGroup {
	t.Helper()
	ids := []int64{}
	for _, r := range repos {
		ids = append(ids, w.repos[r].ID)
	}
	g, err := w.svc.CreateRunnerGroup(w.ctx, sc, actions_service.RunnerGroupInput{Name: &name, Visibility: &visibility, RepoIDs: &ids})
	require.NoError(t, err)
	return g
}

func groupOfRunner(t *testing.T, ctx context.Context, id int64) int64 {
	t.Helper()
	r, err := actions_model.GetRunnerByID(ctx, id)
	require.NoError(t, err)
	return r.RunnerGroupID
}

func TestRunnerGroups_RunnersJoinTheirScopesDefaultGroupOrTheTokensGroup(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newGroupWorld(t, ctx)
		org := w.register(t, w.acme, 0)
		inst := w.register(t, identity.InstanceScope, 0)
		repoRunner := w.register(t, identity.RepoScope(w.repos["app"]), 0)

		gs, total, err := w.svc.ListRunnerGroups(ctx, w.acme, nil, 1, 30)
		require.NoError(t, err)
		require.EqualValues(t, 1, total)
		def := gs[0]
		assert.True(t, def.IsDefault)
		assert.Equal(t, "Default", def.Name)
		assert.Equal(t, actions_model.GroupVisibilityAll, def.Visibility)
		assert.Equal(t, def.ID, groupOfRunner(t, ctx, org.ID))
		instGroups, _, err := w.svc.ListRunnerGroups(ctx, identity.InstanceScope, nil, 1, 30)
		require.NoError(t, err)
		assert.Equal(t, instGroups[0].ID, groupOfRunner(t, ctx, inst.ID))
		assert.Zero(t, groupOfRunner(t, ctx, repoRunner.ID), "a repository runner is in no group")

		// A group's own token puts new runners straight into it.
		g := w.group(t, w.acme, "builders", "all")
		first, err := w.svc.GroupRegistrationToken(ctx, w.acme, g.ID)
		require.NoError(t, err)
		again, err := w.svc.GroupRegistrationToken(ctx, w.acme, g.ID)
		require.NoError(t, err)
		assert.Equal(t, first, again, "the group's token is reusable")
		scopeToken, err := w.svc.DefaultRegistrationToken(ctx, w.acme)
		require.NoError(t, err)
		assert.NotEqual(t, scopeToken, first)
		joined := w.register(t, w.acme, g.ID)
		assert.Equal(t, g.ID, groupOfRunner(t, ctx, joined.ID))
		stored, err := actions_model.GetRunnerTokenByHash(ctx, secret.Hash(first))
		require.NoError(t, err)
		assert.NotContains(t, stored.TokenCipher, first, "stored sealed")
		assert.Equal(t, secret.Hash(first), stored.TokenHash, "and hashed like the others")
		scopeTokens, _, err := w.svc.ListRegistrationTokens(ctx, w.acme, db.Page{})
		require.NoError(t, err)
		for _, tok := range scopeTokens {
			assert.Zero(t, tok.RunnerGroupID, "the group's token is not one of the scope's")
		}
		_, err = w.svc.GetRegistrationToken(ctx, w.acme, stored.ID)
		assert.True(t, errors.Is(err, errs.NotFound), "nor reachable as one: %v", err)

		reset, err := w.svc.ResetGroupRegistrationToken(ctx, w.acme, g.ID)
		require.NoError(t, err)
		_, err = w.svc.Register(ctx, actions_service.RegisterInput{Name: "late", RegistrationToken: first, Labels: w.labels})
		assert.True(t, errors.Is(err, errs.Unauthenticated), "the reset token stops working: %v", err)

		// Deleting the group sends its runners back to the default group and
		// ends its token.
		require.NoError(t, w.svc.DeleteRunnerGroup(ctx, w.acme, g.ID))
		assert.Equal(t, def.ID, groupOfRunner(t, ctx, joined.ID))
		_, err = w.svc.Register(ctx, actions_service.RegisterInput{Name: "late", RegistrationToken: reset, Labels: w.labels})
		assert.True(t, errors.Is(err, errs.Unauthenticated), "a deleted group's token stops working: %v", err)
	})
}

func TestRunnerGroups_SelectedGroupTakesOnlyItsRepositoriesFromTheNextPoll(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newGroupWorld(t, ctx)
		g := w.group(t, w.acme, "app only", "selected", "app")
		r := w.register(t, w.acme, g.ID)
		libJob := w.queue(t, "lib")
		appJob := w.queue(t, "app")
		var seen int64
		assert.Equal(t, appJob, poll(t, ctx, w.svc, r, &seen), "the app job, though lib's waited longer")
		assert.Zero(t, poll(t, ctx, w.svc, r, &seen), "lib is not the group's")
		seen = 0
		assert.Zero(t, poll(t, ctx, w.svc, r, &seen), "not even when the runner looks again")

		require.NoError(t, w.svc.AddRunnerGroupRepo(ctx, w.acme, g.ID, w.repos["lib"].ID))
		assert.Equal(t, libJob, poll(t, ctx, w.svc, r, &seen), "the next poll, with the version it was told, sees the change")

		require.NoError(t, w.svc.RemoveRunnerGroupRepo(ctx, w.acme, g.ID, w.repos["lib"].ID))
		w.queue(t, "lib")
		assert.Zero(t, poll(t, ctx, w.svc, r, &seen))

		all := actions_model.GroupVisibilityAll
		_, err := w.svc.UpdateRunnerGroup(ctx, w.acme, g.ID, actions_service.RunnerGroupInput{Visibility: &all})
		require.NoError(t, err)
		assert.NotZero(t, poll(t, ctx, w.svc, r, &seen), "visibility all serves every repository of the org")

		selected := actions_model.GroupVisibilitySelected
		_, err = w.svc.UpdateRunnerGroup(ctx, w.acme, g.ID, actions_service.RunnerGroupInput{Visibility: &selected})
		require.NoError(t, err)
		require.NoError(t, w.svc.SetRunnerGroupRepos(ctx, w.acme, g.ID, nil))
		w.queue(t, "app")
		seen = 0
		assert.Zero(t, poll(t, ctx, w.svc, r, &seen), "a selected group with nothing selected serves nothing")

		// Moved to the default group, the runner takes everything again.
		require.NoError(t, w.svc.RemoveRunnerFromGroup(ctx, w.acme, g.ID, r.ID))
		assert.NotZero(t, poll(t, ctx, w.svc, r, &seen))

		// The other org's jobs are never an acme runner's.
		x := w.queue(t, "x")
		for range 3 {
			assert.NotEqual(t, x, poll(t, ctx, w.svc, r, &seen))
		}
	})
}

func TestRunnerGroups_InstanceGroupLimitedToOrganizations(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newGroupWorld(t, ctx)
		name, selected := "acme only", actions_model.GroupVisibilitySelected
		orgs := []int64{w.acme.OwnerID()}
		g, err := w.svc.CreateRunnerGroup(ctx, identity.InstanceScope, actions_service.RunnerGroupInput{Name: &name, Visibility: &selected, OrgIDs: &orgs})
		require.NoError(t, err)
		r := w.register(t, identity.InstanceScope, g.ID)
		x := w.queue(t, "x")
		app := w.queue(t, "app")
		var seen int64
		assert.Equal(t, app, poll(t, ctx, w.svc, r, &seen))
		assert.Zero(t, poll(t, ctx, w.svc, r, &seen), "other's job is not the group's")

		// Selecting one repository of other as well serves it too.
		require.NoError(t, w.svc.AddRunnerGroupRepo(ctx, identity.InstanceScope, g.ID, w.repos["x"].ID))
		assert.Equal(t, x, poll(t, ctx, w.svc, r, &seen))

		got, total, err := w.svc.ListRunnerGroupOrgs(ctx, identity.InstanceScope, g.ID, 1, 30)
		require.NoError(t, err)
		require.EqualValues(t, 1, total)
		assert.Equal(t, "acme", got[0].Name)
		repos, total, err := w.svc.ListRunnerGroupRepos(ctx, identity.InstanceScope, g.ID, 1, 30)
		require.NoError(t, err)
		require.EqualValues(t, 1, total)
		assert.Equal(t, "other/x", repos[0].FullName())
	})
}

// TestRunnerGroups_ChangeSeenAtTheNextPollOfAnotherProcess: a group changed
// through one process reaches a runner polling another at its next poll,
// not after its cached copy of the runner expires.
func TestRunnerGroups_ChangeSeenAtTheNextPollOfAnotherProcess(t *testing.T) {
	for _, be := range dbtest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			dbo := be.NewDatabase(t)
			var ctxs [2]context.Context
			for i := range ctxs {
				x, err := db.Open(dbo)
				require.NoError(t, err)
				t.Cleanup(func() { _ = x.Close() })
				ctxs[i] = db.WithEngine(context.Background(), x)
			}
			require.NoError(t, migrateFor(ctxs[0]))
			w := newGroupWorld(t, ctxs[0])
			other := newGroupService(t, identity.NewStandalone()) // the second process polls
			g := w.group(t, w.acme, "app only", "selected", "app")
			r := w.register(t, w.acme, g.ID)
			lib := w.queue(t, "lib")
			var seen int64
			assert.Zero(t, poll(t, ctxs[1], other, r, &seen), "lib is not the group's")

			require.NoError(t, w.svc.AddRunnerGroupRepo(ctxs[0], w.acme, g.ID, w.repos["lib"].ID))
			// The other process learns of the bump within its recheck; each
			// poll sends the version it was last told, as act_runner does.
			var got int64
			require.Eventually(t, func() bool {
				got = poll(t, ctxs[1], other, r, &seen)
				return got != 0
			}, 10*time.Second, options.Default().Actions.TasksVersionRecheck)
			assert.Equal(t, lib, got)

			// Moving the runner into the default group elsewhere also counts.
			w.queue(t, "lib")
			require.NoError(t, w.svc.RemoveRunnerGroupRepo(ctxs[0], w.acme, g.ID, w.repos["lib"].ID))
			require.NoError(t, w.svc.RemoveRunnerFromGroup(ctxs[0], w.acme, g.ID, r.ID))
			require.Eventually(t, func() bool { return poll(t, ctxs[1], other, r, &seen) != 0 },
				10*time.Second, options.Default().Actions.TasksVersionRecheck)
		})
	}
}

func migrateFor(ctx context.Context) error {
	return migrations.Migrate(ctx, db.Engine(ctx), migrations.Standalone)
}

// TestRunnerGroups_ConcurrentFirstRunnersShareOneDefaultGroup: the first
// runners of a new organization, registering at once (an autoscaler's
// burst), all succeed and all land in the one default group.
func TestRunnerGroups_ConcurrentFirstRunnersShareOneDefaultGroup(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		w := newGroupWorld(t, ctx)
		tok, err := w.svc.DefaultRegistrationToken(ctx, w.acme)
		require.NoError(t, err)
		const n = 8
		errsCh := make(chan error, n)
		ids := make(chan int64, n)
		for i := range n {
			go func() {
				reg, err := w.svc.Register(ctx, actions_service.RegisterInput{Name: "r" + strconv.Itoa(i), RegistrationToken: tok, Labels: w.labels})
				if err == nil {
					ids <- reg.Runner.ID
				}
				errsCh <- err
			}()
		}
		for range n {
			require.NoError(t, <-errsCh)
		}
		close(ids)
		gs, total, err := w.svc.ListRunnerGroups(ctx, w.acme, nil, 1, 30)
		require.NoError(t, err)
		require.EqualValues(t, 1, total)
		for id := range ids {
			assert.Equal(t, gs[0].ID, groupOfRunner(t, ctx, id))
		}
	})
}
