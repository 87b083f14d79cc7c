// Package testserver starts the whole Runnerhub server on a loopback port for
// tests, and talks to it with the protocol's own client, as a runner would.
package testserver

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/httpserver"
	"code.runnerhub.dev/runnerhub/options"
	runnerhubv1 "code.runnerhub.dev/runnerhub/proto/runnerhub/runner/v1"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// Server is a running Runnerhub.
type Server struct {
	URL     string // e.g. http://127.0.0.1:41234
	Opts    *options.Options
	Engine  *xorm.Engine
	App     *runnerhub.Server
	Actions *actions_service.Service
	// Ctx carries the engine, for calling services and models directly.
	Ctx context.Context

	ts *httptest.Server
}

// Start migrates the backend's fresh database and serves Runnerhub on it.
// configure may change the options first.
func Start(t testing.TB, b dbtest.Backend, configure ...func(*options.Options)) *Server {
	t.Helper()
	o := options.Default()
	o.Database = b.NewDatabase(t)
	return StartOn(t, o, configure...)
}

// StartOn serves Runnerhub on the database o names, which may already be in
// use by another server.
func StartOn(t testing.TB, o *options.Options, configure ...func(*options.Options)) *Server {
	t.Helper()
	return StartWith(t, o, nil, configure...)
}

// StartWith serves Runnerhub on the database o names with the accounts of
// id (nil: the standalone ones), migrating it first as the command does:
// a Gitea database is adopted on the way.
func StartWith(t testing.TB, o *options.Options, id identity.Provider, configure ...func(*options.Options)) *Server {
	t.Helper()
	o.Security.SecretKey = "test-secret-key"
	for _, c := range configure {
		c(o)
	}
	x, err := db.Open(o.Database)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	ctx := db.WithEngine(context.Background(), x)
	cfg := runnerhub.Config{Engine: x, Options: o, Identity: id}
	require.NoError(t, runnerhub.Migrate(ctx, cfg))

	ts := httptest.NewUnstartedServer(nil)
	o.Server.RootURL = "http://" + ts.Listener.Addr().String() + "/"
	app, err := runnerhub.New(ctx, cfg)
	require.NoError(t, err)
	// The timeouts serve runs with.
	ts.Config = httpserver.New(o.Server, app.Handler())
	app.Start(ctx) // background work (maintenance, webhook deliveries), as serve runs it
	t.Cleanup(app.Close)
	ts.Start()
	t.Cleanup(ts.Close)
	return &Server{URL: ts.URL, Opts: o, Engine: x, App: app, Actions: app.Actions(), Ctx: ctx, ts: ts}
}

// Stop shuts the server down the way serve does on a signal: it stops
// answering, then its background work ends (deliveries under way finish).
// The database stays for another server started with StartOn.
func (s *Server) Stop() {
	s.ts.Close()
	s.App.Close()
}

// RPCURL is the base address runners are configured with plus the protocol prefix.
func (s *Server) RPCURL() string { return s.URL + "/api/actions" }

// RunnerClient returns a protocol client that sends the runner's credentials.
func (s *Server) RunnerClient(uuid, token string) runnerv1connect.RunnerServiceClient {
	return runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL(), connect.WithInterceptors(credentials(uuid, token)))
}

// DeregisterClient returns a Deregister client that sends the runner's credentials.
func (s *Server) DeregisterClient(uuid, token string) *connect.Client[runnerhubv1.DeregisterRequest, runnerhubv1.DeregisterResponse] {
	return runnerhubv1.NewDeregisterClient(http.DefaultClient, s.RPCURL(), connect.WithInterceptors(credentials(uuid, token)))
}

func credentials(uuid, token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("x-runner-uuid", uuid)
			req.Header().Set("x-runner-token", token)
			return next(ctx, req)
		}
	}
}

// Runner is a registered runner with its client.
type Runner struct {
	ID     int64
	UUID   string
	Token  string
	Client runnerv1connect.RunnerServiceClient
}

// RegistrationToken returns the scope's reusable registration token.
func (s *Server) RegistrationToken(t testing.TB, scope identity.Scope) string {
	t.Helper()
	tok, err := s.Actions.DefaultRegistrationToken(s.Ctx, scope)
	require.NoError(t, err)
	return tok
}

// Register registers a runner through the protocol with the given token.
func (s *Server) Register(t testing.TB, regToken, name string, labels []string, ephemeral bool) *Runner {
	t.Helper()
	c := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL())
	res, err := c.Register(context.Background(), connect.NewRequest(&runnerv1.RegisterRequest{
		Name: name, Token: regToken, Labels: labels, Version: "test", Ephemeral: ephemeral,
	}))
	require.NoError(t, err)
	r := res.Msg.Runner
	return &Runner{ID: r.Id, UUID: r.Uuid, Token: r.Token, Client: s.RunnerClient(r.Uuid, r.Token)}
}

// Repo is a repository created for a test, with its owner.
type Repo struct {
	OwnerID, RepoID int64
	Owner, Name     string
}

// CreateRepo makes an owner (if new) and a repository.
func (s *Server) CreateRepo(t testing.TB, owner, name string) Repo {
	t.Helper()
	u, err := user_model.GetUserByName(s.Ctx, owner)
	if err != nil {
		u = &user_model.User{Name: owner}
		require.NoError(t, user_model.CreateUser(s.Ctx, u))
	}
	r := &repo_model.Repository{OwnerID: u.ID, Name: name}
	require.NoError(t, repo_model.CreateRepository(s.Ctx, r))
	return Repo{OwnerID: u.ID, RepoID: r.ID, Owner: owner, Name: name}
}

// QueueJobs creates a run in repo with one job per entry of runsOn, none
// depending on another, and returns the job ids.
func (s *Server) QueueJobs(t testing.TB, repo Repo, runsOn ...[]string) []int64 {
	t.Helper()
	in := actions_service.RunInput{OwnerID: repo.OwnerID, RepoID: repo.RepoID, WorkflowID: "test.yml", Ref: "refs/heads/main", CommitSHA: "0123456789abcdef0123456789abcdef01234567", Event: "push"}
	for i, labels := range runsOn {
		id := "job" + strconv.Itoa(i)
		in.Jobs = append(in.Jobs, actions_service.JobInput{
			JobID: id, Name: id, RunsOn: labels,
			WorkflowPayload: []byte("name: test\non: push\njobs:\n  " + id + ":\n    runs-on: " + labels[0] + "\n    steps:\n      - run: echo hi\n"),
		})
	}
	_, jobs, err := s.Actions.CreateRun(s.Ctx, in)
	require.NoError(t, err)
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return ids
}
