package integration

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

type runnerJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Busy      bool   `json:"busy"`
	Disabled  bool   `json:"disabled"`
	Ephemeral bool   `json:"ephemeral"`
	Version   string `json:"version"`
	Labels    []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"labels"`
}

type runnerListJSON struct {
	Runners    []runnerJSON `json:"runners"`
	TotalCount int64        `json:"total_count"`
}

func TestAPIRunners_JSONShape(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		r := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), `<b>"odd" name</b>`, []string{"ubuntu-latest:docker://node:20", "self-hosted"}, true)

		res := admin.do(t, "GET", "/api/v1/admin/actions/runners", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		assert.Equal(t, "1", res.Header.Get("X-Total-Count"))
		var list runnerListJSON
		res.decode(t, &list)
		require.Len(t, list.Runners, 1)
		assert.Equal(t, int64(1), list.TotalCount)
		got := list.Runners[0]
		assert.Equal(t, r.ID, got.ID)
		assert.Equal(t, `<b>"odd" name</b>`, got.Name, "JSON carries the name as given")
		assert.Equal(t, "online", got.Status)
		assert.False(t, got.Busy)
		assert.False(t, got.Disabled)
		assert.True(t, got.Ephemeral)
		assert.Equal(t, "test", got.Version)
		require.Len(t, got.Labels, 2)
		assert.Equal(t, "ubuntu-latest", got.Labels[0].Name)
		assert.Equal(t, "custom", got.Labels[0].Type)
		assert.Equal(t, "self-hosted", got.Labels[1].Name)
		assert.Equal(t, int64(1), got.Labels[1].ID)

		// The raw body names exactly Gitea's fields.
		for _, field := range []string{`"id"`, `"name"`, `"status"`, `"busy"`, `"disabled"`, `"ephemeral"`, `"labels"`, `"version"`} {
			assert.Contains(t, string(res.Body), field)
		}
	})
}

func TestAPIRunners_Paging(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, admin := newUser(t, s, "root", true)
	tok := s.RegistrationToken(t, identity.InstanceScope)
	for i := 0; i < 5; i++ {
		s.Register(t, tok, fmt.Sprintf("r%d", i), []string{"x"}, false)
	}
	var list runnerListJSON
	res := admin.do(t, "GET", "/api/v1/admin/actions/runners?limit=2&page=3", nil)
	require.Equal(t, http.StatusOK, res.Status)
	res.decode(t, &list)
	assert.Equal(t, int64(5), list.TotalCount)
	require.Len(t, list.Runners, 1, "the last page holds the fifth runner")
	assert.Equal(t, "r0", list.Runners[0].Name, "newest first")

	res = admin.do(t, "GET", "/api/v1/admin/actions/runners?per_page=4", nil)
	res.decode(t, &list)
	assert.Len(t, list.Runners, 4, "GitHub's per_page works too")

	for _, q := range []string{"page=0", "page=x", "limit=-1", "per_page=ten"} {
		res := admin.do(t, "GET", "/api/v1/admin/actions/runners?"+q, nil)
		assert.Equal(t, http.StatusBadRequest, res.Status, q)
	}
}

func TestAPIRunners_DisabledFinishesItsTaskButGetsNoNew(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		repo := s.CreateRepo(t, "octo", "app")
		r := s.Register(t, s.RegistrationToken(t, identity.ScopeOf(repo.OwnerID, repo.RepoID)), "r", []string{"ubuntu-latest"}, false)
		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		task := fetch(t, r)
		require.NotNil(t, task)

		path := fmt.Sprintf("/api/v1/repos/octo/app/actions/runners/%d", r.ID)
		res := admin.do(t, "PATCH", path, map[string]bool{"disabled": true})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var got runnerJSON
		res.decode(t, &got)
		assert.True(t, got.Disabled)
		assert.True(t, got.Busy, "it still runs its task")

		s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		fr, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		require.NoError(t, err, "a disabled runner is not an error, it just gets nothing")
		assert.Nil(t, fr.Msg.Task)
		seen := fr.Msg.TasksVersion

		finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS) // the current task can still be finished
		res = admin.do(t, "GET", path, nil)
		res.decode(t, &got)
		assert.False(t, got.Busy)

		res = admin.do(t, "PATCH", path, map[string]bool{"disabled": false})
		require.Equal(t, http.StatusOK, res.Status)
		fr, err = r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{TasksVersion: seen}))
		require.NoError(t, err)
		assert.NotNil(t, fr.Msg.Task, "once enabled, it finds the job that waited, even with the version it saw while disabled")
	})
}

func TestAPIRunners_DeleteBusyRunnerCancelsItsTask(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		owner, alice := newUser(t, s, "alice", false)
		repo := s.CreateRepo(t, "alice", "lib")
		require.Equal(t, owner.ID, repo.OwnerID)
		r := s.Register(t, s.RegistrationToken(t, identity.ScopeOf(owner.ID, 0)), "r", []string{"ubuntu-latest"}, false)
		jobs := s.QueueJobs(t, repo, []string{"ubuntu-latest"})
		require.NotNil(t, fetch(t, r))

		path := fmt.Sprintf("/api/v1/user/actions/runners/%d", r.ID)
		res := alice.do(t, "DELETE", path, nil)
		require.Equal(t, http.StatusNoContent, res.Status, "%s", res.Body)
		assert.Equal(t, http.StatusNotFound, alice.do(t, "GET", path, nil).Status)
		assert.Equal(t, http.StatusNotFound, alice.do(t, "DELETE", path, nil).Status, "a missing runner is 404, never 500")

		_, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		requireCode(t, err, connect.CodeUnauthenticated, "the deleted runner is told so")
		job, err := actions_model.GetRunJobByID(s.Ctx, jobs[0])
		require.NoError(t, err)
		assert.Equal(t, actions_model.StatusCancelled, job.Status, "its job is not left running")
	})
}

func TestAPIRunners_BadInput(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, admin := newUser(t, s, "root", true)
	r := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), "r", []string{"x"}, false)
	path := fmt.Sprintf("/api/v1/admin/actions/runners/%d", r.ID)

	res := admin.do(t, "PATCH", path, map[string]string{"name": "x"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
	assert.Contains(t, res.message(t), "disabled")
	req, _ := http.NewRequest("PATCH", s.URL+path, strings.NewReader(`{"disabled": tru`))
	req.Header.Set("Authorization", admin.header)
	hr, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	hr.Body.Close()
	assert.Equal(t, http.StatusBadRequest, hr.StatusCode)
	res = admin.do(t, "PATCH", path, map[string]string{"disabled": "yes"})
	assert.Equal(t, http.StatusBadRequest, res.Status)

	var got runnerJSON
	admin.do(t, "GET", path, nil).decode(t, &got)
	assert.False(t, got.Disabled, "refused requests changed nothing")
	assert.Equal(t, http.StatusNotFound, admin.do(t, "GET", "/api/v1/admin/actions/runners/0", nil).Status)
}

func TestAPIRegistrationTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		var tok struct{ Token string }
		res := admin.do(t, "POST", "/api/v1/admin/actions/runners/registration-token", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &tok)
		first := tok.Token
		require.Len(t, first, 40)
		admin.do(t, "GET", "/api/v1/admin/actions/runners/registration-token", nil).decode(t, &tok)
		assert.Equal(t, first, tok.Token, "reusable: GET answers the same token")
		admin.do(t, "POST", "/api/v1/admin/actions/runners/registration-token/reset", nil).decode(t, &tok)
		assert.NotEqual(t, first, tok.Token)
		s.Register(t, tok.Token, "ok", []string{"x"}, false)
		_, err := registerWith(s, first)
		requireCode(t, err, connect.CodeUnauthenticated, "the reset token stops working at once")

		var named struct {
			ID        int64   `json:"id"`
			Token     string  `json:"token"`
			State     string  `json:"state"`
			MaxUses   int64   `json:"max_uses"`
			Uses      int64   `json:"uses"`
			ExpiresAt *string `json:"expires_at"`
		}
		res = admin.do(t, "POST", "/api/v1/admin/actions/runners/registration-tokens", map[string]any{"name": "once", "max_uses": 1, "expires_in": 3600})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res.decode(t, &named)
		require.Len(t, named.Token, 40)
		assert.NotNil(t, named.ExpiresAt)
		s.Register(t, named.Token, "one", []string{"x"}, false)
		_, err = registerWith(s, named.Token)
		requireCode(t, err, connect.CodeUnauthenticated)
		assert.Contains(t, err.Error(), "used up")

		path := "/api/v1/admin/actions/runners/registration-tokens/" + strconv.FormatInt(named.ID, 10)
		named.Token = ""
		admin.do(t, "GET", path, nil).decode(t, &named)
		assert.Equal(t, "used up", named.State)
		assert.Equal(t, int64(1), named.Uses)
		assert.Empty(t, named.Token, "a token is shown only when created")

		var list struct {
			Tokens []struct {
				Name      string `json:"name"`
				IsDefault bool   `json:"is_default"`
			} `json:"tokens"`
		}
		admin.do(t, "GET", "/api/v1/admin/actions/runners/registration-tokens", nil).decode(t, &list)
		require.Len(t, list.Tokens, 2, "the named token and the default one")
		assert.False(t, strings.Contains(string(admin.do(t, "GET", "/api/v1/admin/actions/runners/registration-tokens", nil).Body), tok.Token), "lists never show tokens")

		res = admin.do(t, "POST", "/api/v1/admin/actions/runners/registration-tokens", map[string]any{"name": "x", "expires_in": 60, "expires_at": "2030-01-01T00:00:00Z"})
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
		res = admin.do(t, "POST", "/api/v1/admin/actions/runners/registration-tokens", map[string]any{"name": "once"})
		assert.Equal(t, http.StatusConflict, res.Status, "names are unique in a scope")

		assert.Equal(t, http.StatusNoContent, admin.do(t, "DELETE", path, nil).Status)
		assert.Equal(t, http.StatusNotFound, admin.do(t, "GET", path, nil).Status)
	})
}

// registerWith calls Register with a token and returns the error.
func registerWith(s *testserver.Server, token string) (*connect.Response[runnerv1.RegisterResponse], error) {
	c := s.RunnerClient("", "")
	return c.Register(context.Background(), connect.NewRequest(&runnerv1.RegisterRequest{Name: "r", Token: token, Labels: []string{"x"}}))
}

func TestRegisterRateLimit_CountsWrongTokensPerAddress(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), func(o *options.Options) {
		o.Actions.RegisterRateLimit = 1
		o.Actions.RegisterRateBurst = 2
	})
	good := s.RegistrationToken(t, identity.InstanceScope)
	for i := 0; i < 5; i++ {
		_, err := registerWith(s, good)
		require.NoError(t, err, "registrations with a good token are not counted (%d)", i)
	}
	for i := 0; i < 2; i++ {
		_, err := registerWith(s, "0000000000000000000000000000000000000000")
		requireCode(t, err, connect.CodeUnauthenticated)
	}
	_, err := registerWith(s, "0000000000000000000000000000000000000000")
	requireCode(t, err, connect.CodeResourceExhausted, "the third wrong guess in a minute is refused")
	var ce *connect.Error
	require.ErrorAs(t, err, &ce)
	assert.NotEmpty(t, ce.Meta().Get("Retry-After"))
	_, err = registerWith(s, good)
	require.NoError(t, err, "a good token is let through even from an address over the limit")
	_, err = registerWith(s, "0000000000000000000000000000000000000000")
	requireCode(t, err, connect.CodeResourceExhausted, "until the limit refills, wrong tokens are refused")
}
