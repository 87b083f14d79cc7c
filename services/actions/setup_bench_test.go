package actions_test

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
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
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// benchEnv is a migrated database on one backend with the service, a
// repository and an instance runner with the labels of label set 0.
type benchEnv struct {
	ctx    context.Context
	svc    *actions_service.Service
	runner *actions_model.Runner
	token  string
	repo   *repo_model.Repository
}

// newBenchEnv sets up a fresh database; configure may change the options.
func newBenchEnv(b *testing.B, be dbtest.Backend, configure ...func(*options.Options)) *benchEnv {
	b.Helper()
	x := be.NewEngine(b)
	ctx := db.WithEngine(context.Background(), x)
	require.NoError(b, migrations.Migrate(ctx, x, migrations.Standalone))
	o := options.Default()
	o.Actions.MaxLogBytesPerTask = 1 << 40 // the log benchmark appends for as long as it runs
	for _, c := range configure {
		c(o)
	}
	box, err := secret.NewBox("bench-secret-key")
	require.NoError(b, err)
	svc := actions_service.New(o, box)

	owner := &user_model.User{Name: "bench"}
	require.NoError(b, user_model.CreateUser(ctx, owner))
	repo := &repo_model.Repository{OwnerID: owner.ID, Name: "bench"}
	require.NoError(b, repo_model.CreateRepository(ctx, repo))
	regToken, err := svc.DefaultRegistrationToken(ctx, identity.InstanceScope)
	require.NoError(b, err)
	reg, err := svc.Register(ctx, actions_service.RegisterInput{
		Name: "bench", RegistrationToken: regToken, Labels: benchLabels(0),
	})
	require.NoError(b, err)
	return &benchEnv{ctx: ctx, svc: svc, runner: reg.Runner, token: reg.Token, repo: repo}
}

// benchLabels are the runs-on labels of label set i.
func benchLabels(i int) []string { return []string{"linux", "set-" + strconv.Itoa(i)} }

// queueJob queues one job of label set 0 through the service.
func (e *benchEnv) queueJob(b *testing.B) {
	b.Helper()
	_, _, err := e.svc.CreateRun(e.ctx, actions_service.RunInput{
		OwnerID: e.repo.OwnerID, RepoID: e.repo.ID, WorkflowID: "bench.yml", Ref: "refs/heads/main", Event: "push",
		Jobs: []actions_service.JobInput{{JobID: "job", Name: "job", RunsOn: benchLabels(0), WorkflowPayload: []byte("on: push\n")}},
	})
	require.NoError(b, err)
}

// fillQueue writes n waiting jobs spread over sets label sets straight into
// the tables, many rows per statement: going through CreateRun would make a
// large queue take minutes to build on PostgreSQL.
func (e *benchEnv) fillQueue(b *testing.B, n, sets int) {
	b.Helper()
	run := &actions_model.Run{OwnerID: e.repo.OwnerID, RepoID: e.repo.ID, WorkflowID: "bench.yml", Status: actions_model.StatusWaiting}
	require.NoError(b, actions_model.CreateRun(e.ctx, run))
	const batch = 500
	for start := 0; start < n; start += batch {
		jobs := make([]*actions_model.RunJob, 0, batch)
		for i := start; i < min(start+batch, n); i++ {
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
