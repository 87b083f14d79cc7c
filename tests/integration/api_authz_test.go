package integration

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// authzWorld is the cast of the authorization table: an admin, the owner of
// org acme, an admin of repo acme/app, alice (a user with her own runners)
// and a stranger; plus one runner and one named token in every scope.
type authzWorld struct {
	s       *testserver.Server
	callers map[string]apiCaller
	// scope path prefix → the scope, for making runners and tokens in it
	scopes map[string]identity.Scope
}

func newAuthzWorld(t *testing.T, s *testserver.Server) *authzWorld {
	w := &authzWorld{s: s, callers: map[string]apiCaller{"anonymous": {s: s}}, scopes: map[string]identity.Scope{}}
	users := map[string]*identity.User{}
	for _, name := range []string{"admin", "orgowner", "repoadmin", "alice", "stranger"} {
		username := name
		if name == "admin" {
			username = "root" // "admin" is a reserved name, as in Gitea
		}
		users[name], w.callers[name] = newUser(t, s, username, name == "admin")
	}
	acc := s.App.Accounts()
	acme, err := acc.CreateOrg(s.Ctx, users["orgowner"], "acme")
	require.NoError(t, err)
	app, err := acc.CreateRepo(s.Ctx, users["orgowner"], acme, "app")
	require.NoError(t, err)
	_, err = acc.AddRepoAdmin(s.Ctx, users["orgowner"], app, "repoadmin")
	require.NoError(t, err)

	w.scopes["/api/v1/admin"] = identity.InstanceScope
	w.scopes["/api/v1/orgs/acme"] = identity.ScopeOf(acme.ID, 0)
	w.scopes["/api/v1/repos/acme/app"] = identity.ScopeOf(acme.ID, app.ID)
	w.scopes["/api/v1/user"] = identity.ScopeOf(users["alice"].ID, 0)
	return w
}

// runner registers a runner in the scope and returns its id.
func (w *authzWorld) runner(t *testing.T, prefix string) int64 {
	t.Helper()
	return w.s.Register(t, w.s.RegistrationToken(t, w.scopes[prefix]), "r", []string{"x"}, false).ID
}

// token makes a named token in the scope and returns its id.
func (w *authzWorld) token(t *testing.T, prefix string) int64 {
	t.Helper()
	tok, _, err := w.s.Actions.CreateRegistrationToken(w.s.Ctx, w.scopes[prefix], actions_service.NamedTokenInput{Name: fmt.Sprintf("t-%d", nextID())})
	require.NoError(t, err)
	return tok.ID
}

var idCounter int

func nextID() int { idCounter++; return idCounter }

// mayManage is the rule under test: who manages which scope.
func mayManage(caller, prefix string) bool {
	switch prefix {
	case "/api/v1/admin":
		return caller == "admin"
	case "/api/v1/orgs/acme":
		return caller == "admin" || caller == "orgowner"
	case "/api/v1/repos/acme/app":
		return caller == "admin" || caller == "orgowner" || caller == "repoadmin"
	case "/api/v1/user":
		return caller != "anonymous" // everyone manages their own
	}
	return false
}

// TestAPIAuthz_Table checks every runner and token endpoint on every scope
// for every caller: the expected status follows from who may manage what.
func TestAPIAuthz_Table(t *testing.T) {
	noLimit := func(o *options.Options) { o.API.RateLimit = 0 }
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newAuthzWorld(t, s)
		type action struct {
			method, path string // path after the scope prefix; %d is an id made by fixture
			fixture      func(t *testing.T, prefix string) int64
			body         any
			ok           int
			ownedByAlice bool // on /user, the id belongs to alice: others see 404
		}
		actions := []action{
			{"GET", "/actions/runners", nil, nil, http.StatusOK, false},
			{"GET", "/actions/runners/%d", w.runner, nil, http.StatusOK, true},
			{"PATCH", "/actions/runners/%d", w.runner, map[string]bool{"disabled": true}, http.StatusOK, true},
			{"DELETE", "/actions/runners/%d", w.runner, nil, http.StatusNoContent, true},
			{"POST", "/actions/runners/registration-token", nil, nil, http.StatusOK, false},
			{"GET", "/actions/runners/registration-token", nil, nil, http.StatusOK, false},
			{"POST", "/actions/runners/registration-token/reset", nil, nil, http.StatusOK, false},
			{"GET", "/actions/runners/registration-tokens", nil, nil, http.StatusOK, false},
			{"POST", "/actions/runners/registration-tokens", nil, map[string]any{"name": "n"}, http.StatusCreated, false},
			{"GET", "/actions/runners/registration-tokens/%d", w.token, nil, http.StatusOK, true},
			{"PATCH", "/actions/runners/registration-tokens/%d", w.token, map[string]bool{"disabled": true}, http.StatusOK, true},
			{"DELETE", "/actions/runners/registration-tokens/%d", w.token, nil, http.StatusNoContent, true},
			{"POST", "/actions/runners/generate-jitconfig", nil, map[string]any{"name": "jit", "labels": []string{"linux"}}, http.StatusCreated, false},
		}
		callers := []string{"anonymous", "admin", "orgowner", "repoadmin", "alice", "stranger"}
		prefixes := []string{"/api/v1/admin", "/api/v1/orgs/acme", "/api/v1/repos/acme/app", "/api/v1/user"}
		for _, act := range actions {
			for _, prefix := range prefixes {
				for _, caller := range callers {
					path := act.path
					if act.fixture != nil {
						path = fmt.Sprintf(path, act.fixture(t, prefix))
					}
					body := act.body
					if m, ok := body.(map[string]any); ok { // names must differ per row
						named := maps.Clone(m)
						named["name"] = fmt.Sprintf("%v-%d", m["name"], nextID())
						body = named
					}
					want := act.ok
					switch {
					case caller == "anonymous":
						want = http.StatusUnauthorized
					case !mayManage(caller, prefix):
						want = http.StatusForbidden
					case prefix == "/api/v1/user" && act.ownedByAlice && caller != "alice":
						want = http.StatusNotFound // another user's runner or token does not exist for them
					}
					res := w.callers[caller].do(t, act.method, prefix+path, body)
					assert.Equal(t, want, res.Status, "%s %s%s as %s: %s", act.method, prefix, path, caller, res.Body)
				}
			}
		}
	}, noLimit)
}

// TestAPIAuthz_NothingLeaksAcrossScopes: an id from another scope is 404 on
// this one, even for a caller who manages both; unknown scopes are 404.
func TestAPIAuthz_NothingLeaksAcrossScopes(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newAuthzWorld(t, s)
		repoRunner := w.runner(t, "/api/v1/repos/acme/app")
		orgToken := w.token(t, "/api/v1/orgs/acme")
		owner := w.callers["orgowner"]
		for _, c := range []struct{ method, path string }{
			{"GET", fmt.Sprintf("/api/v1/orgs/acme/actions/runners/%d", repoRunner)},
			{"DELETE", fmt.Sprintf("/api/v1/orgs/acme/actions/runners/%d", repoRunner)},
			{"GET", fmt.Sprintf("/api/v1/user/actions/runners/%d", repoRunner)},
			{"GET", fmt.Sprintf("/api/v1/repos/acme/app/actions/runners/registration-tokens/%d", orgToken)},
			{"DELETE", fmt.Sprintf("/api/v1/repos/acme/app/actions/runners/registration-tokens/%d", orgToken)},
			{"GET", "/api/v1/orgs/acme/actions/runners/999999"},
			{"GET", "/api/v1/orgs/acme/actions/runners/not-a-number"},
			{"GET", "/api/v1/orgs/nope/actions/runners"},
			{"GET", "/api/v1/orgs/alice/actions/runners"}, // a user, not an org
			{"GET", "/api/v1/repos/acme/nope/actions/runners"},
			{"GET", "/api/v1/repos/nobody/app/actions/runners"},
		} {
			res := owner.do(t, c.method, c.path, nil)
			assert.Equal(t, http.StatusNotFound, res.Status, "%s %s: %s", c.method, c.path, res.Body)
		}
		// The admin sees every runner from the admin scope, as in Gitea.
		res := w.callers["admin"].do(t, "GET", fmt.Sprintf("/api/v1/admin/actions/runners/%d", repoRunner), nil)
		assert.Equal(t, http.StatusOK, res.Status)
		// Nothing was deleted by the refused calls.
		res = owner.do(t, "GET", fmt.Sprintf("/api/v1/repos/acme/app/actions/runners/%d", repoRunner), nil)
		assert.Equal(t, http.StatusOK, res.Status)
		res = owner.do(t, "GET", fmt.Sprintf("/api/v1/orgs/acme/actions/runners/registration-tokens/%d", orgToken), nil)
		assert.Equal(t, http.StatusOK, res.Status)
	})
}

// TestAPIAuthz_AccountRoutes covers the standalone account endpoints.
func TestAPIAuthz_AccountRoutes(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newAuthzWorld(t, s)
		newUser(t, s, "carol", false) // made a collaborator; not a caller, so the grant changes no row's answer
		type row struct {
			method, path string
			body         func() any
			want         map[string]int // caller → status; absent callers get 403, anonymous 401
		}
		uniq := func(prefix string) func() any {
			return func() any { return map[string]any{"name": fmt.Sprintf("%s%d", prefix, nextID())} }
		}
		rows := []row{
			{"GET", "/api/v1/user", nil, map[string]int{"admin": 200, "orgowner": 200, "repoadmin": 200, "alice": 200, "stranger": 200}},
			{"POST", "/api/v1/orgs", func() any { return map[string]any{"username": fmt.Sprintf("org%d", nextID())} },
				map[string]int{"admin": 201, "orgowner": 201, "repoadmin": 201, "alice": 201, "stranger": 201}},
			{"POST", "/api/v1/user/repos", uniq("repo"), map[string]int{"admin": 201, "orgowner": 201, "repoadmin": 201, "alice": 201, "stranger": 201}},
			{"POST", "/api/v1/orgs/acme/repos", uniq("repo"), map[string]int{"admin": 201, "orgowner": 201}},
			{"POST", "/api/v1/orgs/nope/repos", uniq("repo"), map[string]int{"admin": 404, "orgowner": 404, "repoadmin": 404, "alice": 404, "stranger": 404}},
			{"PUT", "/api/v1/repos/acme/app/collaborators/carol", func() any { return map[string]string{"permission": "admin"} },
				map[string]int{"admin": 204, "orgowner": 204, "repoadmin": 204}},
			{"POST", "/api/v1/admin/users", func() any {
				return map[string]any{"username": fmt.Sprintf("u%d", nextID()), "email": "u@example.com", "password": "long-enough"}
			}, map[string]int{"admin": 201}},
			// Callers here sign in with tokens, and a token cannot make tokens
			// (tests/integration/access_token_test.go makes them with passwords).
			{"POST", "/api/v1/users/alice/tokens", uniq("tok"), map[string]int{"admin": 401, "orgowner": 401, "repoadmin": 401, "alice": 401, "stranger": 401}},
			{"GET", "/api/v1/users/alice/tokens", nil, map[string]int{"admin": 200, "alice": 200}},
			{"DELETE", "/api/v1/users/alice/tokens/no-such-token", nil, map[string]int{"admin": 404, "alice": 404}},
		}
		for _, r := range rows {
			for _, caller := range []string{"anonymous", "admin", "orgowner", "repoadmin", "alice", "stranger"} {
				want, ok := r.want[caller]
				if !ok {
					want = http.StatusForbidden
				}
				if caller == "anonymous" {
					want = http.StatusUnauthorized
				}
				var body any
				if r.body != nil {
					body = r.body()
				}
				res := w.callers[caller].do(t, r.method, r.path, body)
				assert.Equal(t, want, res.Status, "%s %s as %s: %s", r.method, r.path, caller, res.Body)
			}
		}
	}, func(o *options.Options) { o.API.RateLimit = 0 })
}

// TestAPIAuthz_CollaboratorGrantsRepoOnly: after PUT collaborators, alice
// manages acme/app's runners and nothing else of acme.
func TestAPIAuthz_CollaboratorGrantsRepoOnly(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	w := newAuthzWorld(t, s)
	alice := w.callers["alice"]
	require.Equal(t, http.StatusForbidden, alice.do(t, "GET", "/api/v1/repos/acme/app/actions/runners", nil).Status)
	res := w.callers["orgowner"].do(t, "PUT", "/api/v1/repos/acme/app/collaborators/alice", map[string]string{"permission": "admin"})
	require.Equal(t, http.StatusNoContent, res.Status, "%s", res.Body)
	assert.Equal(t, http.StatusOK, alice.do(t, "GET", "/api/v1/repos/acme/app/actions/runners", nil).Status)
	assert.Equal(t, http.StatusForbidden, alice.do(t, "GET", "/api/v1/orgs/acme/actions/runners", nil).Status)

	res = w.callers["orgowner"].do(t, "PUT", "/api/v1/repos/acme/app/collaborators/alice", map[string]string{"permission": "write"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
	assert.True(t, strings.Contains(res.message(t), "admin"), res.message(t))
	res = w.callers["orgowner"].do(t, "PUT", "/api/v1/repos/acme/app/collaborators/ghost", map[string]string{"permission": "admin"})
	assert.Equal(t, http.StatusNotFound, res.Status)
}
