package main

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestHost_OwnTablesKeepTheirShape migrates Runnerhub beside the host's own
// "user" and "repository" tables: they keep the host's columns and rows, and
// none of Runnerhub's standalone account tables appears, also when the host
// starts again on the same database.
func TestHost_OwnTablesKeepTheirShape(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b)
			w := seedWorld(t, h)
			again := startHostOn(t, h.x) // a restart: both migrations find nothing to do

			cols := columnsOf(t, h.x)
			assert.Subset(t, cols["user"], []string{"id", "lower_name", "name", "full_name", "email", "passwd", "salt", "type", "is_admin"})
			assert.NotContains(t, cols["user"], "is_org", "Runnerhub's standalone user columns are not added")
			assert.NotContains(t, cols["user"], "passwd_hash")
			assert.Subset(t, cols["repository"], []string{"id", "owner_id", "lower_name", "name", "is_private", "workflow_file", "workflow"})
			for _, table := range []string{"org_owner", "access_token", "repo_admin"} {
				assert.NotContains(t, cols, table, "a standalone account table is never created for a host")
			}
			for _, table := range []string{"action_runner", "action_run_job", "action_webhook", "runnerhub_version"} {
				assert.Contains(t, cols, table, "Runnerhub's own tables are there")
			}

			var bob User
			has, err := h.x.ID(w.users["bob"].ID).Get(&bob)
			require.NoError(t, err)
			require.True(t, has)
			assert.Equal(t, "Bob Example", bob.FullName)
			assert.Equal(t, "bob@example.com", bob.Email)
			// The restarted host still signs bob in with his token.
			res := again.api(t, http.MethodGet, "/api/v1/user", w.tokens["bob"], nil)
			assert.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		})
	}
}

// columnsOf lists every table of the database with its column names.
func columnsOf(t *testing.T, x *xorm.Engine) map[string][]string {
	t.Helper()
	tables, err := x.DBMetas()
	require.NoError(t, err)
	out := map[string][]string{}
	for _, tb := range tables {
		out[tb.Name] = tb.ColumnsSeq()
	}
	return out
}

// TestHost_SettingsPagesUseHostSignIn opens Runnerhub's Runners page of a
// repository: a visitor is sent to the host's /login and back, the host's
// session makes the repository's admin welcome and an org member who does
// not administer it is refused.
func TestHost_SettingsPagesUseHostSignIn(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b)
			w := seedWorld(t, h)
			const page = "/acme/app/settings/actions/runners"

			res := h.send(t, http.MethodGet, page, nil, nil)
			require.Equal(t, http.StatusSeeOther, res.Status, "%s", res.Body)
			loginURL := res.Header.Get("Location")
			assert.Equal(t, "/login?redirect_to="+url.QueryEscape(page), loginURL)
			res = h.send(t, http.MethodGet, loginURL, nil, nil)
			require.Equal(t, http.StatusOK, res.Status)
			assert.Contains(t, string(res.Body), `name="redirect_to" value="`+page+`"`, "the form carries the way back")

			// A wrong password gets no session.
			res = h.postForm(t, "/login", url.Values{"user_name": {"bob"}, "password": {"nope"}, "redirect_to": {page}})
			assert.Equal(t, http.StatusUnauthorized, res.Status)
			assert.Empty(t, res.Header.Values("Set-Cookie"))

			bob := h.signIn(t, "bob@example.com", "pw-bob", page) // by e-mail
			res = h.send(t, http.MethodGet, page, nil, withCookie(bob))
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			assert.Contains(t, string(res.Body), "acme/app")
			assert.Contains(t, string(res.Body), "<strong>bob</strong>", "the page shows the host's signed-in user")

			// The page's forms work on the host's session: bob resets the
			// registration token there, and the REST API hands out the new one.
			tokenBefore := h.registrationToken(t, w.tokens["bob"], "acme/app")
			csrf := regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`).FindSubmatch(res.Body)
			require.NotNil(t, csrf, "the page has a form token")
			cookies := append((&http.Response{Header: res.Header}).Cookies(), bob)
			res = h.postForm(t, page+"/reset_registration_token", url.Values{"_csrf": {string(csrf[1])}}, cookies...)
			require.Equal(t, http.StatusSeeOther, res.Status, "%s", res.Body)
			assert.NotEqual(t, tokenBefore, h.registrationToken(t, w.tokens["bob"], "acme/app"))

			carol := h.signIn(t, "carol", "pw-carol", "/")
			res = h.send(t, http.MethodGet, page, nil, withCookie(carol))
			assert.Equal(t, http.StatusForbidden, res.Status, "%s", res.Body)

			// The host's home page offers bob what the host lets him do.
			res = h.send(t, http.MethodGet, "/", nil, withCookie(bob))
			require.Equal(t, http.StatusOK, res.Status)
			assert.Contains(t, string(res.Body), `href="`+page+`"`)
			res = h.send(t, http.MethodGet, "/", nil, nil)
			assert.NotContains(t, string(res.Body), "acme/app", "a visitor does not see a private repository")
			assert.Contains(t, string(res.Body), "acme/web")

			// Signing out of the host ends the pages' sign-in too.
			res = h.postForm(t, "/logout", nil, bob)
			require.Equal(t, http.StatusSeeOther, res.Status)
			res = h.send(t, http.MethodGet, page, nil, withCookie(bob))
			assert.Equal(t, http.StatusSeeOther, res.Status)

			// The way back stays on the host.
			res = h.postForm(t, "/login", url.Values{"user_name": {"bob"}, "password": {"pw-bob"}, "redirect_to": {"//evil.example/"}})
			require.Equal(t, http.StatusSeeOther, res.Status)
			assert.Equal(t, "/", res.Header.Get("Location"))
		})
	}
}

// signIn posts the host's sign-in form and returns the session cookie.
func (h *testHost) signIn(t *testing.T, login, password, redirectTo string) *http.Cookie {
	t.Helper()
	res := h.postForm(t, "/login", url.Values{"user_name": {login}, "password": {password}, "redirect_to": {redirectTo}})
	require.Equal(t, http.StatusSeeOther, res.Status, "%s", res.Body)
	assert.Equal(t, redirectTo, res.Header.Get("Location"))
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", sessionCookie, res.Header)
	return nil
}

func withCookie(c *http.Cookie) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(c) }
}
