package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// apiAccessToken is the token JSON the tests read.
type apiAccessToken struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	SHA1           string     `json:"sha1"`
	TokenLastEight string     `json:"token_last_eight"`
	Scopes         []string   `json:"scopes"`
	ExpiresAt      *time.Time `json:"expires_at"`
}

// TestAccessTokens_ListCreateRevoke drives Gitea's token routes: a token
// cannot make tokens (the password can), only the user or an admin lists
// and revokes them, a revoked or expired token stops working at once.
func TestAccessTokens_ListCreateRevoke(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, alice := newUser(t, s, "alice", false)
		_, bob := newUser(t, s, "bob", false)
		_, root := newUser(t, s, "root", true)
		alicePassword := apiCaller{s: s, header: basic("alice", "alice-password")}
		aliceToken := strings.TrimPrefix(alice.header, "token ")
		in := time.Now().Add(time.Hour).UTC().Truncate(time.Second)

		// A token cannot mint tokens, in either header.
		for name, c := range map[string]apiCaller{"token header": alice, "token as password": {s: s, header: basic("alice", aliceToken)}} {
			res := c.do(t, "POST", "/api/v1/users/alice/tokens", map[string]any{"name": "more"})
			assert.Equal(t, http.StatusUnauthorized, res.Status, "%s: %s", name, res.Body)
			assert.Contains(t, res.message(t), "password", name)
		}

		res := alicePassword.do(t, "POST", "/api/v1/users/alice/tokens", map[string]any{"name": "ci", "expires_at": in})
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var ci apiAccessToken
		res.decode(t, &ci)
		require.Len(t, ci.SHA1, 40)
		assert.Equal(t, "ci", ci.Name)
		assert.Equal(t, ci.SHA1[32:], ci.TokenLastEight)
		assert.Equal(t, []string{"all"}, ci.Scopes)
		require.NotNil(t, ci.ExpiresAt)
		assert.True(t, in.Equal(*ci.ExpiresAt), "expires_at %v", ci.ExpiresAt)
		ciCaller := apiCaller{s: s, header: "token " + ci.SHA1}
		assert.Equal(t, http.StatusOK, ciCaller.do(t, "GET", "/api/v1/user", nil).Status, "the new token works")

		for name, body := range map[string]map[string]any{
			"unknown scope": {"name": "narrow", "scopes": []string{"read:repository", "read:repo"}},
			"past expiry":   {"name": "late", "expires_at": time.Now().Add(-time.Minute)},
			"no name":       {"name": " "},
			"taken name":    {"name": "ci"},
		} {
			res := alicePassword.do(t, "POST", "/api/v1/users/alice/tokens", body)
			assert.Contains(t, []int{http.StatusUnprocessableEntity, http.StatusConflict}, res.Status, "%s: %s", name, res.Body)
		}
		res = alicePassword.do(t, "POST", "/api/v1/users/alice/tokens", map[string]any{"name": "all", "scopes": []string{"all"}})
		assert.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res = apiCaller{s: s, header: basic("bob", "bob-password")}.do(t, "POST", "/api/v1/users/alice/tokens", map[string]any{"name": "bobs"})
		assert.Equal(t, http.StatusForbidden, res.Status, "bob cannot make alice's tokens")
		res = apiCaller{s: s, header: basic("root", "root-password")}.do(t, "POST", "/api/v1/users/alice/tokens", map[string]any{"name": "by-admin"})
		assert.Equal(t, http.StatusCreated, res.Status, "an admin can: %s", res.Body)

		// Listing: alice and an admin, never the tokens themselves.
		res = alice.do(t, "GET", "/api/v1/users/alice/tokens", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var list []apiAccessToken
		res.decode(t, &list)
		names := []string{}
		for _, tk := range list {
			names = append(names, tk.Name)
			assert.Empty(t, tk.SHA1, "a list never shows a token")
		}
		assert.Equal(t, []string{"test", "ci", "all", "by-admin"}, names)
		assert.Equal(t, "4", res.Header.Get("X-Total-Count"))
		assert.Equal(t, http.StatusForbidden, bob.do(t, "GET", "/api/v1/users/alice/tokens", nil).Status)
		assert.Equal(t, http.StatusOK, root.do(t, "GET", "/api/v1/users/alice/tokens", nil).Status)
		res = alice.do(t, "GET", "/api/v1/users/alice/tokens?limit=2&page=2", nil)
		res.decode(t, &list)
		require.Len(t, list, 2)
		assert.Equal(t, "all", list[0].Name)

		// Revoking: by name or id, by the user or an admin, at once.
		assert.Equal(t, http.StatusForbidden, bob.do(t, "DELETE", "/api/v1/users/alice/tokens/ci", nil).Status)
		assert.Equal(t, http.StatusOK, ciCaller.do(t, "GET", "/api/v1/user", nil).Status, "a refused revocation changes nothing")
		assert.Equal(t, http.StatusNoContent, alice.do(t, "DELETE", "/api/v1/users/alice/tokens/ci", nil).Status)
		assert.Equal(t, http.StatusUnauthorized, ciCaller.do(t, "GET", "/api/v1/user", nil).Status, "the revoked token is refused")
		assert.Equal(t, http.StatusNotFound, alice.do(t, "DELETE", "/api/v1/users/alice/tokens/ci", nil).Status)
		assert.Equal(t, http.StatusNoContent, root.do(t, "DELETE", fmt.Sprintf("/api/v1/users/alice/tokens/%d", list[1].ID), nil).Status, "an admin revokes by id")
		assert.Equal(t, http.StatusNotFound, bob.do(t, "DELETE", fmt.Sprintf("/api/v1/users/bob/tokens/%d", list[0].ID), nil).Status, "alice's token id is not bob's")

		// Expiry: a token is refused once its expiry has passed.
		_, err := s.Engine.Exec("UPDATE access_token SET expires_unix = ? WHERE token_last_eight = ?", time.Now().Add(-time.Second).Unix(), aliceToken[32:])
		require.NoError(t, err)
		res = alice.do(t, "GET", "/api/v1/user", nil)
		assert.Equal(t, http.StatusUnauthorized, res.Status)
		assert.Contains(t, res.message(t), "expired")
	}, func(o *options.Options) { o.API.RateLimit = 0 })
}

// TestAccessTokens_RevocationReachesEveryServer runs two servers on one
// database: a token revoked on one is refused by the other on its very
// next use, since no server keeps a copy of access tokens.
func TestAccessTokens_RevocationReachesEveryServer(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testserver.Server) {
		o := *a.Opts
		b := testserver.StartOn(t, &o)
		_, alice := newUser(t, a, "alice", false)
		onB := apiCaller{s: b, header: alice.header}
		require.Equal(t, http.StatusOK, alice.do(t, "GET", "/api/v1/user", nil).Status)
		require.Equal(t, http.StatusOK, onB.do(t, "GET", "/api/v1/user", nil).Status, "server b accepts the token")
		require.Equal(t, http.StatusNoContent, alice.do(t, "DELETE", "/api/v1/users/alice/tokens/test", nil).Status, "revoked on server a")
		res := onB.do(t, "GET", "/api/v1/user", nil)
		assert.Equal(t, http.StatusUnauthorized, res.Status, "server b refuses it at once: %s", res.Body)
	})
}
