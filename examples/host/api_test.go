package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestHost_RESTWithHostCredentials calls Runnerhub's REST API with the
// host's own access tokens and passwords: who may manage a repository's
// runners is what the host's org_member and collaboration tables say.
func TestHost_RESTWithHostCredentials(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b)
			w := seedWorld(t, h)
			h.register(t, h.registrationToken(t, w.tokens["alice"], "acme/app"), "app-runner", false)
			const appRunners = runnerhub.APIPrefix + "/repos/acme/app/actions/runners"

			for _, c := range []struct {
				name, token, path string
				want              int
			}{
				{"the org owner", w.tokens["alice"], appRunners, http.StatusOK},
				{"the repository's admin", w.tokens["bob"], appRunners, http.StatusOK},
				{"an org member who may push but not administer", w.tokens["carol"], appRunners, http.StatusForbidden},
				{"a stranger to a private repository", w.tokens["dave"], appRunners, http.StatusNotFound},
				{"the admin of another repository", w.tokens["bob"], runnerhub.APIPrefix + "/repos/acme/web/actions/runners", http.StatusForbidden},
				{"a repository admin at the org's scope", w.tokens["bob"], runnerhub.APIPrefix + "/orgs/acme/actions/runners", http.StatusForbidden},
				{"a user at their own scope", w.tokens["dave"], runnerhub.APIPrefix + "/user/actions/runners", http.StatusOK},
				{"a user at their own repository", w.tokens["dave"], runnerhub.APIPrefix + "/repos/dave/tools/actions/runners", http.StatusOK},
				{"a repository the host does not have", w.tokens["alice"], runnerhub.APIPrefix + "/repos/acme/nope/actions/runners", http.StatusNotFound},
				{"an unknown token", "0123456789abcdef0123456789abcdef01234567", appRunners, http.StatusUnauthorized},
				{"no credentials", "", appRunners, http.StatusUnauthorized},
			} {
				t.Run(c.name, func(t *testing.T) {
					res := h.api(t, http.MethodGet, c.path, c.token, nil)
					require.Equal(t, c.want, res.Status, "%s", res.Body)
					if c.want != http.StatusOK {
						assert.NotContains(t, string(res.Body), "app-runner", "a refusal shows no runner")
					}
				})
			}

			// The admin's 200 is the repository's list, with the runner in it.
			res := h.api(t, http.MethodGet, appRunners, w.tokens["bob"], nil)
			var list struct {
				TotalCount int64 `json:"total_count"`
				Runners    []struct{ Name string }
			}
			res.decode(t, &list)
			require.EqualValues(t, 1, list.TotalCount)
			assert.Equal(t, "app-runner", list.Runners[0].Name)

			// Who the API sees is the host's user.
			res = h.api(t, http.MethodGet, runnerhub.APIPrefix+"/user", w.tokens["bob"], nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var me struct {
				ID    int64
				Login string
			}
			res.decode(t, &me)
			assert.Equal(t, w.users["bob"].ID, me.ID)
			assert.Equal(t, "bob", me.Login)

			// HTTP basic auth with the host's password works too, by name or e-mail.
			for _, c := range []struct {
				login, password string
				want            int
			}{
				{"bob", "pw-bob", http.StatusOK},
				{"BOB@example.com", "pw-bob", http.StatusOK},
				{"carol", "pw-carol", http.StatusForbidden},
				{"bob", "pw-carol", http.StatusUnauthorized},
				{"acme", "", http.StatusUnauthorized}, // an organization never signs in
			} {
				res = h.send(t, http.MethodGet, appRunners, nil, func(r *http.Request) { r.SetBasicAuth(c.login, c.password) })
				assert.Equal(t, c.want, res.Status, "basic auth as %s: %s", c.login, res.Body)
			}
		})
	}
}
