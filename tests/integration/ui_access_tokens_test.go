package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestUI_AccessTokens signs in, makes an access token on the Access tokens
// page, uses it on the REST API, deletes it there and sees it refused.
func TestUI_AccessTokens(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
	require.NoError(t, err)
	ctx := browser(t)
	var shot []byte

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/user/login"),
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		chromedp.SendKeys("#user_name", "alice", chromedp.ByID),
		chromedp.SendKeys("#password", "alice-password", chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
		chromedp.WaitVisible("#access-tokens-link", chromedp.ByID),
		chromedp.Click("#access-tokens-link", chromedp.ByID),
		chromedp.WaitVisible("#create-access-token", chromedp.ByID),
	))

	// A token, shown once.
	var token, list string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SendKeys("#access-token-name", "laptop <b>", chromedp.ByID),
		chromedp.SetValue("#access-token-expires", "7", chromedp.ByID),
		chromedp.Click("#create-access-token-button", chromedp.ByID),
		chromedp.WaitVisible("#new-access-token", chromedp.ByID),
		chromedp.Text("#new-access-token", &token, chromedp.ByID),
		chromedp.Text("#access-token-list", &list, chromedp.ByID),
		screenshot("access-tokens.png", &shot),
	))
	token = strings.TrimSpace(token)
	require.Len(t, token, 40)
	assert.Contains(t, list, "laptop <b>", "the name is shown as text")
	assert.Contains(t, list, token[32:], "the list tells tokens apart by their last eight characters")
	assert.NotContains(t, list, token, "the list itself never shows a token")
	assert.NotContains(t, list, "never", "the token expires")
	caller := apiCaller{s: s, header: "token " + token}
	require.Equal(t, http.StatusOK, caller.do(t, "GET", "/api/v1/user", nil).Status, "the token works on the API")

	// A reload does not show it again.
	var page string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/user/settings/applications"),
		chromedp.WaitVisible("#access-token-list", chromedp.ByID),
		chromedp.OuterHTML("html", &page, chromedp.ByQuery),
	))
	assert.NotContains(t, page, token)

	// Delete it (the page asks for confirmation; the test says yes).
	var flash string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`#access-token-list form[action$="/delete"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
		chromedp.Text("#access-token-list", &list, chromedp.ByID),
	))
	assert.Contains(t, flash, "deleted")
	assert.Contains(t, list, "No access tokens")
	assert.Equal(t, http.StatusUnauthorized, caller.do(t, "GET", "/api/v1/user", nil).Status, "the deleted token is refused at once")
}
