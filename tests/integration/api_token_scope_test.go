package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// scopedRoute is a route and the scopes it needs of a token (all of them).
type scopedRoute struct {
	method, path string
	body         func() any
	needs        []string
}

// TestAPITokenScopes_Enforced on every database: each route needs its
// category's read (GET) or write scope, write includes read, a token
// without it is answered 403 naming the missing scope before the route
// looks anything up, and tokens made before scopes existed keep all.
func TestAPITokenScopes_Enforced(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		root, _ := newUser(t, s, "root", true)
		acme, err := s.App.Accounts().CreateOrg(s.Ctx, root, "acme")
		require.NoError(t, err)
		_, err = s.App.Accounts().CreateRepo(s.Ctx, root, acme, "app")
		require.NoError(t, err)
		password := apiCaller{s: s, header: basic("root", "root-password")}
		tokenWith := func(scopes ...string) apiCaller {
			res := password.do(t, "POST", "/api/v1/users/root/tokens", map[string]any{"name": fmt.Sprintf("t-%d", nextID()), "scopes": scopes})
			require.Equal(t, http.StatusCreated, res.Status, "%v: %s", scopes, res.Body)
			var tk apiAccessToken
			res.decode(t, &tk)
			return apiCaller{s: s, header: "token " + tk.SHA1}
		}
		repoName := 0
		routes := []scopedRoute{
			{"GET", "/api/v1/admin/actions/runners", nil, []string{"read:admin"}},
			{"POST", "/api/v1/admin/actions/runners/registration-token", nil, []string{"write:admin"}},
			{"GET", "/api/v1/admin/actions/runner-groups", nil, []string{"read:admin"}},
			{"GET", "/api/v1/orgs/acme/actions/runners", nil, []string{"read:organization"}},
			{"POST", "/api/v1/orgs/acme/actions/runners/registration-token", nil, []string{"write:organization"}},
			{"GET", "/api/v1/orgs/acme/hooks", nil, []string{"read:organization"}},
			{"POST", "/api/v1/orgs/acme/repos", func() any { repoName++; return map[string]string{"name": fmt.Sprintf("r%d", repoName)} },
				[]string{"write:organization", "write:repository"}},
			{"GET", "/api/v1/repos/acme/app/actions/runners", nil, []string{"read:repository"}},
			{"GET", "/api/v1/repos/acme/app/actions/runs", nil, []string{"read:repository"}},
			{"POST", "/api/v1/repos/acme/app/actions/runners/registration-token", nil, []string{"write:repository"}},
			{"GET", "/api/v1/user", nil, []string{"read:user"}},
			{"GET", "/api/v1/user/actions/runners", nil, []string{"read:user"}},
			{"GET", "/api/v1/users/root/tokens", nil, []string{"read:user"}},
		}
		call := func(c apiCaller, rt scopedRoute) apiResponse {
			var body any
			if rt.body != nil {
				body = rt.body()
			}
			return c.do(t, rt.method, rt.path, body)
		}
		all := tokenWith("all")
		// A token made before scopes existed has none recorded.
		legacy := tokenWith()
		_, err = s.Engine.Exec("UPDATE access_token SET scope = '' WHERE token_last_eight = ?", legacy.header[len(legacy.header)-8:])
		require.NoError(t, err)
		for _, rt := range routes {
			name := rt.method + " " + rt.path
			for who, c := range map[string]apiCaller{"all": all, "legacy": legacy, "password": password} {
				res := call(c, rt)
				assert.Less(t, res.Status, 300, "%s with %s: %s", name, who, res.Body)
			}
			exact := tokenWith(rt.needs...)
			res := call(exact, rt)
			assert.Less(t, res.Status, 300, "%s with exactly %v: %s", name, rt.needs, res.Body)

			for _, missing := range rt.needs {
				var others []string
				for _, n := range rt.needs {
					if n != missing {
						others = append(others, n)
					}
				}
				category := strings.SplitN(missing, ":", 2)[1]
				if strings.HasPrefix(missing, "write:") {
					others = append(others, "read:"+category) // read does not include write
				}
				for _, o := range []string{"admin", "organization", "repository", "user"} {
					if o != category {
						others = append(others, "write:"+o)
					}
				}
				res := call(tokenWith(others...), rt)
				require.Equal(t, http.StatusForbidden, res.Status, "%s without %s: %s", name, missing, res.Body)
				assert.Contains(t, res.message(t), "token does not have the scope "+missing, name)
			}
		}

		// The scope is checked before the route looks anything up, so a
		// token without it learns nothing of what exists.
		reader := tokenWith("read:organization")
		for _, path := range []string{"/api/v1/repos/acme/app/actions/runners", "/api/v1/repos/acme/nothing/actions/runners"} {
			res := reader.do(t, "GET", path, nil)
			assert.Equal(t, http.StatusForbidden, res.Status, path)
			assert.Contains(t, res.message(t), "read:repository", path)
		}
		// A read scope reads: GET passes and write is refused on the same path.
		res := reader.do(t, "POST", "/api/v1/orgs/acme/actions/runners/registration-token", nil)
		assert.Equal(t, http.StatusForbidden, res.Status)
		assert.Contains(t, res.message(t), "write:organization")
		assert.Contains(t, res.message(t), "the token has: read:organization")

		// The token list shows each token's scopes, normalized.
		narrow := password.do(t, "POST", "/api/v1/users/root/tokens", map[string]any{"name": "narrow", "scopes": []string{"read:repository,write:repository", "read:user"}})
		require.Equal(t, http.StatusCreated, narrow.Status, "%s", narrow.Body)
		var tk apiAccessToken
		narrow.decode(t, &tk)
		assert.Equal(t, []string{"write:repository", "read:user"}, tk.Scopes)
		res = all.do(t, "GET", "/api/v1/users/root/tokens?limit=50", nil)
		require.Equal(t, http.StatusOK, res.Status)
		var list []apiAccessToken
		res.decode(t, &list)
		byName := map[string][]string{}
		for _, l := range list {
			byName[l.Name] = l.Scopes
		}
		assert.Equal(t, []string{"write:repository", "read:user"}, byName["narrow"])
		assert.Equal(t, []string{"all"}, byName["test"], "a token made without naming scopes has all")

		// An unknown scope is refused before anything is written.
		before := len(list)
		for _, bad := range [][]string{{"read:repo"}, {"write:repository", "public-only"}, {"sudo"}} {
			res := password.do(t, "POST", "/api/v1/users/root/tokens", map[string]any{"name": "bad", "scopes": bad})
			assert.Equal(t, http.StatusUnprocessableEntity, res.Status, "%v: %s", bad, res.Body)
			assert.Contains(t, res.message(t), bad[len(bad)-1])
		}
		res = all.do(t, "GET", "/api/v1/users/root/tokens?limit=50", nil)
		res.decode(t, &list)
		assert.Len(t, list, before, "no token was made")
	}, func(o *options.Options) { o.API.RateLimit = 0 })
}

// TestAPI_MustChangePassword on every database: a user who must change
// their password cannot use it on the API, while their access tokens keep
// working; once changed, the new password works.
func TestAPI_MustChangePassword(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, alice := newUser(t, s, "alice", false)
		n, err := s.App.Accounts().SetMustChangePassword(s.Ctx, mustChange("alice"))
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		res := apiCaller{s: s, header: basic("alice", "alice-password")}.do(t, "GET", "/api/v1/user", nil)
		assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
		assert.Contains(t, res.message(t), "/user/settings/change_password")
		assert.Equal(t, http.StatusOK, alice.do(t, "GET", "/api/v1/user", nil).Status, "the access token is unaffected")
		res = apiCaller{s: s, header: basic("alice", "wrong-password")}.do(t, "GET", "/api/v1/user", nil)
		assert.Equal(t, http.StatusUnauthorized, res.Status, "a wrong password is still just wrong")

		_, err = s.App.Accounts().ChangePassword(s.Ctx, "alice", "alice-new-password", false)
		require.NoError(t, err)
		res = apiCaller{s: s, header: basic("alice", "alice-new-password")}.do(t, "GET", "/api/v1/user", nil)
		assert.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	}, func(o *options.Options) { o.API.RateLimit = 0 })
}

func mustChange(names ...string) identity.MustChangePasswordInput {
	return identity.MustChangePasswordInput{Names: names}
}
