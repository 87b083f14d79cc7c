package integration

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestSignIn_RedirectStaysOnSite replays the open redirect after sign-in:
// whichever form of "elsewhere" redirect_to names, the browser is sent to a
// path of this site.
func TestSignIn_RedirectStaysOnSite(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "alice", Password: "alice-password"})
	require.NoError(t, err)
	attacks := []string{"/%09/evil.example/", "//evil.example", "/%5Cevil.example", "/%2F/evil.example", "https://evil.example", "/%0a/evil.example"}

	var c *webClient
	for _, to := range attacks {
		c = newWebClient(t, s) // signed out, so the sign-in page has its form
		form := url.Values{"_csrf": {c.csrf("/user/login")}, "user_name": {"alice"}, "password": {"alice-password"}}
		q, err := url.ParseQuery("redirect_to=" + to)
		require.NoError(t, err)
		form.Set("redirect_to", q.Get("redirect_to"))
		status, loc, _ := c.post("/user/login", form)
		require.Equal(t, http.StatusSeeOther, status, to)
		assert.Equal(t, "/", loc, "sign-in with redirect_to=%s", to)
	}
	for _, to := range attacks {
		status, loc, _ := c.get("/user/login?redirect_to=" + to)
		require.Equal(t, http.StatusSeeOther, status, "a signed-in visitor of the sign-in page is sent on")
		assert.Equal(t, "/", loc, "signed in, redirect_to=%s", to)
	}
	status, loc, _ := c.get("/user/login?redirect_to=" + url.QueryEscape("/user/settings/actions/runners?page=2"))
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/user/settings/actions/runners?page=2", loc, "a path of this site is kept")
}
