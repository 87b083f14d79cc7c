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

// TestCSRF_TokenIsBoundToTheSession replays a form token taken from one
// session in another: even in the same browser (the same CSRF cookie), a
// token of alice's session, of a signed-out visit or of an ended session is
// refused; the session's own token is accepted.
func TestCSRF_TokenIsBoundToTheSession(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	for _, name := range []string{"alice", "bob"} {
		_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: name, Password: name + "-password"})
		require.NoError(t, err)
	}
	u, _ := url.Parse(s.URL)
	// probe posts a harmless form: with a good token the runner is not
	// found (404); with a bad one the form is refused (403).
	probe := func(c *webClient, token string) int {
		status, _, _ := c.post("/user/settings/actions/runners/999999/disable", url.Values{"_csrf": {token}})
		return status
	}

	alice := newWebClient(t, s)
	visitorToken := alice.csrf("/user/login")
	require.Equal(t, http.StatusSeeOther, alice.signIn("alice", "alice-password"))
	aliceToken := alice.csrf("/")
	assert.NotEqual(t, visitorToken, aliceToken, "signing in changes the token")
	assert.Equal(t, http.StatusNotFound, probe(alice, aliceToken), "the session's own token is accepted")
	assert.Equal(t, http.StatusForbidden, probe(alice, visitorToken), "a token from before sign-in is refused")

	// bob signs in in a browser that has alice's CSRF cookie.
	bob := newWebClient(t, s)
	bob.http.Jar.SetCookies(u, []*http.Cookie{cookieOf(t, alice, u, "runnerhub_csrf")})
	require.Equal(t, http.StatusSeeOther, bob.signIn("bob", "bob-password"))
	assert.Equal(t, cookieOf(t, alice, u, "runnerhub_csrf").Value, cookieOf(t, bob, u, "runnerhub_csrf").Value, "one CSRF cookie for both")
	assert.Equal(t, http.StatusForbidden, probe(bob, aliceToken), "alice's token in bob's session")
	assert.Equal(t, http.StatusNotFound, probe(bob, bob.csrf("/")))

	// A new session of the same user gets a new token.
	status, _, _ := alice.post("/user/logout", url.Values{"_csrf": {aliceToken}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, http.StatusSeeOther, alice.signIn("alice", "alice-password"))
	assert.Equal(t, http.StatusForbidden, probe(alice, aliceToken), "the ended session's token")
	assert.Equal(t, http.StatusNotFound, probe(alice, alice.csrf("/")))
}

// cookieOf returns the client's cookie of that name.
func cookieOf(t *testing.T, c *webClient, u *url.URL, name string) *http.Cookie {
	t.Helper()
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	t.Fatalf("no cookie %s", name)
	return nil
}
