package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestHost_PushRoute checks who may push through the host's own route, and
// that only a push the host accepts queues a run.
func TestHost_PushRoute(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b)
			w := seedWorld(t, h)
			_, err := h.Accounts().CreateRepo(h.ctx, w.users["dave"], "empty", false, "", "")
			require.NoError(t, err)

			for _, c := range []struct {
				name, token, repo string
				form              url.Values
				want              int
			}{
				{"no credentials", "", "acme/web", nil, http.StatusUnauthorized},
				{"an unknown token", "0123456789abcdef0123456789abcdef01234567", "acme/web", nil, http.StatusUnauthorized},
				{"a stranger to a private repository", w.tokens["dave"], "acme/app", nil, http.StatusNotFound},
				{"a stranger to a public repository", w.tokens["dave"], "acme/web", nil, http.StatusForbidden},
				{"a repository the host does not have", w.tokens["dave"], "dave/nope", nil, http.StatusNotFound},
				{"a repository without a workflow", w.tokens["dave"], "dave/empty", nil, http.StatusUnprocessableEntity},
				{"a malformed commit", w.tokens["carol"], "acme/web", url.Values{"sha": {"not-a-sha"}}, http.StatusUnprocessableEntity},
			} {
				t.Run(c.name, func(t *testing.T) {
					res := h.send(t, http.MethodPost, "/"+c.repo+"/push", strings.NewReader(c.form.Encode()), func(r *http.Request) {
						r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						if c.token != "" {
							r.Header.Set("Authorization", "token "+c.token)
						}
					})
					assert.Equal(t, c.want, res.Status, "%s", res.Body)
				})
			}
			assert.Zero(t, runCount(t, h, w.tokens["alice"], "acme/web"), "no refused push queued a run")

			// A browser's push uses the session and comes back to the list.
			carol := h.signIn(t, "carol", "pw-carol", "/")
			res := h.postForm(t, "/acme/web/push", url.Values{"ref": {"refs/heads/dev"}}, carol)
			require.Equal(t, http.StatusSeeOther, res.Status, "%s", res.Body)
			assert.EqualValues(t, 1, runCount(t, h, w.tokens["alice"], "acme/web"))
			runID, ok := strings.CutPrefix(res.Header.Get("Location"), "/?run=")
			require.True(t, ok, res.Header.Get("Location"))
			_, err = strconv.ParseInt(runID, 10, 64)
			require.NoError(t, err)
			res = h.send(t, http.MethodGet, "/?run="+runID, nil, withCookie(carol))
			assert.Contains(t, string(res.Body), "Queued run "+runID+".")

			// The same form posted from another site is refused.
			res = h.send(t, http.MethodPost, "/acme/web/push", nil, func(r *http.Request) {
				r.AddCookie(carol)
				r.Header.Set("Sec-Fetch-Site", "cross-site")
			})
			assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)
			assert.EqualValues(t, 1, runCount(t, h, w.tokens["alice"], "acme/web"))
		})
	}
}

// runCount lists a repository's runs through the REST API.
func runCount(t *testing.T, h *testHost, token, fullName string) int64 {
	t.Helper()
	res := h.api(t, http.MethodGet, runnerhub.APIPrefix+"/repos/"+fullName+"/actions/runs", token, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var out struct {
		TotalCount int64 `json:"total_count"`
	}
	res.decode(t, &out)
	return out.TotalCount
}
