package integration

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// readerAccounts are the standalone accounts, served as a host's identity
// provider would be, with helpers that grant repository access.
type readerAccounts struct {
	identity.Standalone
	ctx context.Context
}

// grant gives u mode on repo, as a collaborator.
func (a *readerAccounts) grant(t *testing.T, repo *identity.Repo, u *identity.User, mode identity.AccessMode) {
	t.Helper()
	_, err := a.SetCollaborator(a.ctx, identity.Operator, repo, u.Name, mode)
	require.NoError(t, err)
}

// grantRead makes u a reader of repo.
func (a *readerAccounts) grantRead(t *testing.T, repo *identity.Repo, u *identity.User) {
	t.Helper()
	a.grant(t, repo, u, identity.AccessRead)
}

// startWithReaders serves Runnerhub on b with readerAccounts as the host's
// identity provider. Only the fields the tests use are set in the Server.
func startWithReaders(t *testing.T, b dbtest.Backend) (*testserver.Server, *readerAccounts) {
	t.Helper()
	o := options.Default()
	o.Database = b.NewDatabase(t)
	o.Security.SecretKey = "test-secret-key"
	x, err := db.Open(o.Database)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	ctx := db.WithEngine(context.Background(), x)
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
	accounts := &readerAccounts{Standalone: identity.NewStandalone(), ctx: ctx}
	ts := httptest.NewUnstartedServer(nil)
	o.Server.RootURL = "http://" + ts.Listener.Addr().String() + "/"
	app, err := runnerhub.New(ctx, runnerhub.Config{Engine: x, Options: o, Identity: accounts})
	require.NoError(t, err)
	ts.Config.Handler = app.Handler()
	app.Start(ctx)
	t.Cleanup(app.Close)
	ts.Start()
	t.Cleanup(ts.Close)
	return &testserver.Server{URL: ts.URL, Opts: o, Engine: x, App: app, Actions: app.Actions(), Ctx: ctx}, accounts
}

// userWithToken creates a user in the accounts and a caller with a token.
func userWithToken(t *testing.T, s *testserver.Server, accounts *readerAccounts, name string, admin bool) (*identity.User, apiCaller) {
	t.Helper()
	u, err := accounts.CreateUser(s.Ctx, identity.CreateUserInput{Name: name, Email: name + "@example.com", Password: name + "-password", IsAdmin: admin})
	require.NoError(t, err)
	token, err := accounts.CreateAccessToken(s.Ctx, u.ID, "test")
	require.NoError(t, err)
	return u, apiCaller{s: s, header: "token " + token}
}
