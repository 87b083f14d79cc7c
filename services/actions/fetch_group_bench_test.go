package actions_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

const (
	benchGroups        = 100
	benchReposPerGroup = 2
)

// newGroupBenchEnv is an organization with benchGroups selected runner
// groups of benchReposPerGroup repositories each, and a runner of group 0
// with the labels of label set 0. Its repo is group 0's first repository.
func newGroupBenchEnv(b *testing.B, be dbtest.Backend) (*benchEnv, []*repo_model.Repository) {
	b.Helper()
	x := be.NewEngine(b)
	ctx := db.WithEngine(context.Background(), x)
	require.NoError(b, migrations.Migrate(ctx, x, migrations.Standalone))
	box, err := secret.NewBox("bench-secret-key")
	require.NoError(b, err)
	svc := actions_service.New(options.Default(), box)
	svc.SetIdentity(identity.NewStandalone())

	org := &user_model.User{Name: "bench-org", IsOrg: true}
	require.NoError(b, user_model.CreateUser(ctx, org))
	sc := identity.OwnerScope(&identity.Owner{ID: org.ID, Name: org.Name, IsOrg: true})
	repos := make([]*repo_model.Repository, benchGroups*benchReposPerGroup)
	for i := range repos {
		repos[i] = &repo_model.Repository{OwnerID: org.ID, Name: "repo-" + strconv.Itoa(i)}
		require.NoError(b, repo_model.CreateRepository(ctx, repos[i]))
	}
	// Group g serves repositories g, g+benchGroups, ...
	var first int64
	for g := range benchGroups {
		var ids []int64
		for k := range benchReposPerGroup {
			ids = append(ids, repos[g+k*benchGroups].ID)
		}
		name, selected := "group-"+strconv.Itoa(g), actions_model.GroupVisibilitySelected
		grp, err := svc.CreateRunnerGroup(ctx, sc, actions_service.RunnerGroupInput{Name: &name, Visibility: &selected, RepoIDs: &ids})
		require.NoError(b, err)
		if g == 0 {
			first = grp.ID
		}
	}
	tok, err := svc.GroupRegistrationToken(ctx, sc, first)
	require.NoError(b, err)
	reg, err := svc.Register(ctx, actions_service.RegisterInput{Name: "bench", RegistrationToken: tok, Labels: benchLabels(0)})
	require.NoError(b, err)
	return &benchEnv{ctx: ctx, svc: svc, runner: reg.Runner, token: reg.Token, repo: repos[0]}, repos
}

// fillGroupQueue writes n waiting jobs spread round-robin over every group's
// repositories and over sets label sets, straight into the tables.
func fillGroupQueue(b *testing.B, e *benchEnv, repos []*repo_model.Repository, n, sets int) {
	b.Helper()
	runs := make([]*actions_model.Run, len(repos))
	for i, r := range repos {
		runs[i] = &actions_model.Run{OwnerID: r.OwnerID, RepoID: r.ID, WorkflowID: "bench.yml", Status: actions_model.StatusWaiting}
		require.NoError(b, actions_model.CreateRun(e.ctx, runs[i]))
	}
	const batch = 500
	for start := 0; start < n; start += batch {
		jobs := make([]*actions_model.RunJob, 0, batch)
		for i := start; i < min(start+batch, n); i++ {
			run := runs[i%len(runs)]
			j := &actions_model.RunJob{RunID: run.ID, OwnerID: run.OwnerID, RepoID: run.RepoID, JobID: "job" + strconv.Itoa(i),
				Name: "job", Attempt: 1, WorkflowPayload: "on: push\n", Status: actions_model.StatusWaiting}
			j.SetRunsOn(benchLabels(i % sets))
			j.SetNeeds(nil)
			jobs = append(jobs, j)
		}
		_, err := db.GetEngine(e.ctx).Insert(&jobs)
		require.NoError(b, err)
	}
	for i := range min(n, sets) {
		j := &actions_model.RunJob{}
		j.SetRunsOn(benchLabels(i))
		require.NoError(b, actions_model.EnsureLabelSet(e.ctx, j, time.Now().Unix()))
	}
	require.NoError(b, actions_model.IncreaseTasksVersion(e.ctx, e.repo.OwnerID, e.repo.ID))
}

// BenchmarkFetchTask_ClaimInGroup is a poll handed a job by a runner of a
// selected group, with few and with many jobs waiting over 100 groups'
// repositories and 50 label sets: the claim is one seek per selected
// repository, so its cost must not grow with the queue. Each claimed job
// is replaced (untimed) in the runner's group so the queue keeps its length.
func BenchmarkFetchTask_ClaimInGroup(b *testing.B) {
	for _, be := range dbtest.Backends() {
		for _, waiting := range []int{10, largeQueue()} {
			env, repos := newGroupBenchEnv(b, be)
			fillGroupQueue(b, env, repos, waiting, 50)
			b.Run(fmt.Sprintf("%s/waiting=%d", be.Name, waiting), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					res, err := env.svc.FetchTask(env.ctx, env.runner, 0)
					require.NoError(b, err)
					require.NotNil(b, res.Task)
					if res.Task.Task.RepoID != repos[0].ID && res.Task.Task.RepoID != repos[benchGroups].ID {
						b.Fatalf("the runner of group 0 took a job of repository %d", res.Task.Task.RepoID)
					}
					b.StopTimer()
					env.queueJob(b)
					b.StartTimer()
				}
			})
		}
	}
}
