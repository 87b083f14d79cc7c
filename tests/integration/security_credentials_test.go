package integration

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestSecurity_StolenRunnerCredential plays someone who copied a
// repository runner's uuid and token (from its .runner file, say): what
// SECURITY.md says it can and cannot do.
func TestSecurity_StolenRunnerCredential(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		app := s.CreateRepo(t, "octo", "app")
		other := s.CreateRepo(t, "octo", "other")
		victim := s.Register(t, s.RegistrationToken(t, identity.ScopeOf(app.OwnerID, app.RepoID)), "victim", []string{"linux"}, false)
		honest := instanceRunner(t, s, "honest", false, "gpu")
		stolen := s.RunnerClient(victim.UUID, victim.Token)
		ctx := context.Background()

		// It can take the jobs of its own repository, also under labels it
		// only claims, and read what those jobs carry.
		s.QueueJobs(t, app, []string{"gpu"})
		s.QueueJobs(t, other, []string{"gpu"})
		_, err := stolen.Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{Labels: []string{"linux", "gpu"}}))
		require.NoError(t, err)
		mine := fetch(t, &testserver.Runner{Client: stolen})
		require.NotNil(t, mine, "a job of its own repository")
		assert.Equal(t, "octo/app", mine.Context.Fields["repository"].GetStringValue())
		assert.Nil(t, fetch(t, &testserver.Runner{Client: stolen}), "never a job of another repository, whatever labels it claims")
		theirs := fetch(t, honest)
		require.NotNil(t, theirs)
		assert.Equal(t, "octo/other", theirs.Context.Fields["repository"].GetStringValue())

		// It cannot touch another runner's task, nor use its token anywhere
		// but the runner protocol.
		_, err = stolen.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: theirs.Id, Rows: logRows("forged-", 1)}))
		requireCode(t, err, connect.CodePermissionDenied)
		_, err = stolen.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{Id: theirs.Id, Result: runnerv1.Result_RESULT_FAILURE}}))
		requireCode(t, err, connect.CodePermissionDenied)
		_, err = runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL()).Register(ctx,
			connect.NewRequest(&runnerv1.RegisterRequest{Name: "more", Token: victim.Token, Labels: []string{"linux"}}))
		requireCode(t, err, connect.CodeUnauthenticated, "a runner token does not register runners")
		for _, h := range []string{"token " + victim.Token, "Bearer " + victim.Token} {
			res := apiCaller{s: s, header: h}.do(t, http.MethodGet, "/api/v1/repos/octo/app/actions/runners", nil)
			assert.Equal(t, http.StatusUnauthorized, res.Status, "a runner token is not an API credential")
		}
		code, _ := verifyRuntimeToken(t, s, "Bearer "+victim.Token)
		assert.Equal(t, http.StatusUnauthorized, code, "nor a runtime token")

		// Its job's runtime token ends with the job.
		tok := runtimeTokenOf(t, mine)
		code, _ = verifyRuntimeToken(t, s, "Bearer "+tok)
		require.Equal(t, http.StatusOK, code)
		_, err = stolen.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
			Id: mine.Id, Result: runnerv1.Result_RESULT_SUCCESS, StoppedAt: timestamppb.Now(),
		}}))
		require.NoError(t, err)
		code, _ = verifyRuntimeToken(t, s, "Bearer "+tok)
		assert.Equal(t, http.StatusUnauthorized, code)

		// Once an admin deletes the runner, the credential is dead.
		_, admin := newUser(t, s, "root", true)
		res := admin.do(t, http.MethodDelete, "/api/v1/repos/octo/app/actions/runners/"+strconv.FormatInt(victim.ID, 10), nil)
		require.Equal(t, http.StatusNoContent, res.Status, "%s", res.Body)
		_, err = stolen.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		requireCode(t, err, connect.CodeUnauthenticated)
		_, err = stolen.Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{Labels: []string{"linux"}}))
		requireCode(t, err, connect.CodeUnauthenticated)
	})
}

// TestSecurity_PagesRefuseFramingAndCaching checks the headers every page
// sends: no framing, no inline script, no sniffing, and pages that show
// tokens are not cached.
func TestSecurity_PagesRefuseFramingAndCaching(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
	require.NoError(t, err)
	c := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, c.signIn("root", "root-password"))
	for _, path := range []string{"/user/login", "/-/admin/actions/runners", "/-/admin/actions/audit"} {
		res, err := c.http.Get(s.URL + path)
		require.NoError(t, err)
		res.Body.Close()
		h := res.Header
		assert.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'", path)
		assert.NotContains(t, h.Get("Content-Security-Policy"), "unsafe-inline", path)
		assert.Equal(t, "DENY", h.Get("X-Frame-Options"), path)
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), path)
		if path != "/user/login" {
			assert.Equal(t, http.StatusOK, res.StatusCode, path)
			assert.Equal(t, "no-store", h.Get("Cache-Control"), path)
		}
	}
}
