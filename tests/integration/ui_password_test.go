package integration

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestUI_MustChangePassword: a user an admin marked signs in and is sent to
// change the password before any other page; the form checks the current
// password and the retyped one; the change signs out their other sessions
// and leaves their access tokens working.
func TestUI_MustChangePassword(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, alice := newUser(t, s, "alice", false)
	other := newWebClient(t, s) // another browser, signed in before the flag is set
	require.Equal(t, http.StatusSeeOther, other.signIn("alice", "alice-password"))
	_, err := s.App.Accounts().SetMustChangePassword(s.Ctx, identity.MustChangePasswordInput{Names: []string{"alice"}})
	require.NoError(t, err)

	status, loc, _ := other.get("/user/settings/applications")
	assert.Equal(t, http.StatusSeeOther, status, "an open session is sent to change the password too")
	assert.Equal(t, "/user/settings/change_password", loc)
	status, _, _ = other.post("/user/settings/change_password", url.Values{"old_password": {"alice-password"}, "password": {"x-new-password"}, "retype": {"x-new-password"}})
	assert.Equal(t, http.StatusForbidden, status, "the form needs its CSRF token")

	ctx := browser(t)
	var shot []byte
	var where, forced string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/user/login?redirect_to=/user/settings/applications"),
		signInAs("alice", "alice-password"),
		chromedp.WaitVisible("#must-change-password", chromedp.ByID),
		chromedp.Location(&where),
		chromedp.Text("#must-change-password", &forced, chromedp.ByID),
		screenshot("change-password.png", &shot),
	))
	assert.True(t, strings.HasSuffix(where, "/user/settings/change_password"), where)
	assert.Contains(t, forced, "new password")
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/-/admin/actions/runners"),
		chromedp.WaitVisible("#must-change-password", chromedp.ByID),
		chromedp.Location(&where),
	))
	assert.True(t, strings.HasSuffix(where, "/user/settings/change_password"), "every page leads there first: %s", where)
	assert.Equal(t, http.StatusOK, alice.do(t, "GET", "/api/v1/user", nil).Status, "access tokens are unaffected")

	fill := func(current, password, retype string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.WaitVisible("#change-password", chromedp.ByID),
			chromedp.SendKeys("#old_password", current, chromedp.ByID),
			chromedp.SendKeys("#new_password", password, chromedp.ByID),
			chromedp.SendKeys("#retype", retype, chromedp.ByID),
			chromedp.Click("#change-password-button", chromedp.ByID),
		}
	}
	for _, tc := range []struct{ current, password, retype, want string }{
		{"alice-password", "alice-second", "alice-secnod", "do not match"},
		{"wrong-password", "alice-second", "alice-second", "current password is wrong"},
		{"alice-password", "alice-password", "alice-password", "must differ"},
	} {
		var msg string
		require.NoError(t, chromedp.Run(ctx, chromedp.Navigate(s.URL+"/user/settings/change_password"), fill(tc.current, tc.password, tc.retype),
			chromedp.WaitVisible("#password-error", chromedp.ByID),
			chromedp.Text("#password-error", &msg, chromedp.ByID)))
		assert.Contains(t, msg, tc.want)
	}
	_, err = s.App.Accounts().UserByPassword(s.Ctx, "alice", "alice-password")
	require.NoError(t, err, "refused forms changed nothing")

	var flash string
	var stillForced bool
	require.NoError(t, chromedp.Run(ctx, fill("alice-password", "alice-second", "alice-second"),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("must-change-password") !== null`, &stillForced),
		chromedp.Navigate(s.URL+"/user/settings/applications"),
		chromedp.WaitVisible("#create-access-token", chromedp.ByID),
	))
	assert.Contains(t, flash, "password was changed")
	assert.False(t, stillForced)
	_, err = s.App.Accounts().UserByPassword(s.Ctx, "alice", "alice-second")
	require.NoError(t, err)
	status, loc, _ = other.get("/user/settings/applications")
	assert.Equal(t, http.StatusSeeOther, status, "the other session ended")
	assert.True(t, strings.HasPrefix(loc, "/user/login"), loc)
	assert.Equal(t, http.StatusOK, alice.do(t, "GET", "/api/v1/user", nil).Status, "access tokens keep working")
}

// TestUI_ChangePasswordEndsOtherSessions: without the flag, changing the
// password from the header's link keeps this browser signed in and signs
// out every other session, including one in the same user's other browser.
func TestUI_ChangePasswordEndsOtherSessions(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "bob", Password: "bob-password"})
	require.NoError(t, err)
	_, err = s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "carol", Password: "carol-password"})
	require.NoError(t, err)
	other, carol := newWebClient(t, s), newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, other.signIn("bob", "bob-password"))
	require.Equal(t, http.StatusSeeOther, carol.signIn("carol", "carol-password"))

	c := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, c.signIn("bob", "bob-password"))
	status, _, body := c.get("/")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `id="change-password-link"`)
	status, loc, _ := c.post("/user/settings/change_password", url.Values{"_csrf": {c.csrf("/user/settings/change_password")},
		"old_password": {"bob-password"}, "password": {"bob-new-password"}, "retype": {"bob-new-password"}})
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/user/settings/change_password?done=changed", loc)
	status, _, _ = c.get("/user/settings/applications")
	assert.Equal(t, http.StatusOK, status, "this browser stays signed in, on a new session")
	status, _, _ = other.get("/user/settings/applications")
	assert.Equal(t, http.StatusSeeOther, status, "bob's other session ended")
	status, _, _ = carol.get("/user/settings/applications")
	assert.Equal(t, http.StatusOK, status, "carol's session is not bob's")
}

// TestUI_AccessTokenScopes: the token form's checkboxes make a token
// limited to the ticked scopes, the list shows them, and the API holds
// the token to them; unticking every box is refused.
func TestUI_AccessTokenScopes(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
	require.NoError(t, err)
	ctx := browser(t)
	var msg string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/user/login?redirect_to=/user/settings/applications"),
		signInAs("alice", "alice-password"),
		chromedp.WaitVisible("#access-token-scopes", chromedp.ByID),
		chromedp.SendKeys("#access-token-name", "none", chromedp.ByID),
		chromedp.Click("#scope-all", chromedp.ByID), // unticked: nothing is chosen
		chromedp.Click("#create-access-token-button", chromedp.ByID),
		chromedp.WaitVisible(".error", chromedp.ByQuery),
		chromedp.Text(".error", &msg, chromedp.ByQuery),
	))
	assert.Contains(t, msg, "at least one scope")

	var token, list string
	var shot []byte
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SendKeys("#access-token-name", "reader", chromedp.ByID),
		chromedp.Click("#scope-all", chromedp.ByID), // the refused form came back ticked
		chromedp.Click("#scope-read-user", chromedp.ByID),
		chromedp.Click("#scope-write-organization", chromedp.ByID),
		chromedp.Click("#create-access-token-button", chromedp.ByID),
		chromedp.WaitVisible("#new-access-token", chromedp.ByID),
		chromedp.Text("#new-access-token", &token, chromedp.ByID),
		chromedp.Text("#access-token-list", &list, chromedp.ByID),
		screenshot("access-token-scopes.png", &shot),
	))
	token = strings.TrimSpace(token)
	require.Len(t, token, 40)
	assert.Contains(t, list, "write:organization, read:user")
	assert.NotContains(t, list, "none")
	c := apiCaller{s: s, header: "token " + token}
	assert.Equal(t, http.StatusOK, c.do(t, "GET", "/api/v1/user", nil).Status)
	res := c.do(t, "GET", "/api/v1/user/actions/runners", nil)
	assert.Equal(t, http.StatusOK, res.Status, "read:user reads the user's runners: %s", res.Body)
	res = c.do(t, "POST", "/api/v1/user/actions/runners/registration-token", nil)
	assert.Equal(t, http.StatusForbidden, res.Status)
	assert.Contains(t, res.message(t), "write:user")
}
