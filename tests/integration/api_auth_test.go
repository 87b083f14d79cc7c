package integration

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

func TestAPIAuth_TokenAndBasic(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, alice := newUser(t, s, "alice", false)
		token := alice.header[len("token "):]

		var me struct {
			Login   string `json:"login"`
			IsAdmin bool   `json:"is_admin"`
		}
		res := alice.do(t, "GET", "/api/v1/user", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &me)
		assert.Equal(t, "alice", me.Login)
		assert.False(t, me.IsAdmin)

		for name, header := range map[string]string{
			"bearer":              "Bearer " + token,
			"basic password":      basic("alice", "alice-password"),
			"basic token":         basic("alice", token),
			"basic any-case name": basic("ALICE", "alice-password"),
		} {
			res := apiCaller{s: s, header: header}.do(t, "GET", "/api/v1/user", nil)
			assert.Equal(t, http.StatusOK, res.Status, "%s: %s", name, res.Body)
		}

		for name, header := range map[string]string{
			"none":             "",
			"unknown token":    "token 0123456789012345678901234567890123456789",
			"wrong password":   basic("alice", "nope-nope"),
			"unknown user":     basic("mallory", "alice-password"),
			"token of another": basic("bob", token),
			"unknown scheme":   "Digest abc",
			"empty token":      "token ",
			"malformed basic":  "Basic !!!",
		} {
			res := apiCaller{s: s, header: header}.do(t, "GET", "/api/v1/user", nil)
			assert.Equal(t, http.StatusUnauthorized, res.Status, "%s: %s", name, res.Body)
			assert.NotEmpty(t, res.message(t), name)
		}

		res = apiCaller{s: s}.do(t, "GET", "/api/v1/version", nil)
		assert.Equal(t, http.StatusOK, res.Status, "the version needs no sign-in")
		res = alice.do(t, "GET", "/api/v1/no/such/route", nil)
		assert.Equal(t, http.StatusNotFound, res.Status)
		assert.Equal(t, "application/json;charset=utf-8", res.Header.Get("Content-Type"))
	})
}

func basic(user, password string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, password)
	return req.Header.Get("Authorization")
}

func TestAPIRateLimit_PerUserWithRetryAfter(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), func(o *options.Options) {
		o.API.RateLimit = 1 // one a minute after the burst
		o.API.RateLimitBurst = 3
	})
	_, alice := newUser(t, s, "alice", false)
	_, bob := newUser(t, s, "bob", false)
	for i := 0; i < 3; i++ {
		require.Equal(t, http.StatusOK, alice.do(t, "GET", "/api/v1/user", nil).Status, "request %d is within the burst", i)
	}
	res := alice.do(t, "GET", "/api/v1/user", nil)
	require.Equal(t, http.StatusTooManyRequests, res.Status)
	wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", res.Header.Get("Retry-After"))
	assert.Greater(t, wait, 0)
	assert.LessOrEqual(t, wait, 60)
	assert.Equal(t, http.StatusOK, bob.do(t, "GET", "/api/v1/user", nil).Status, "another user has their own budget")

	// Guessing tokens is limited by address before any user is known.
	for i := 0; i < 3; i++ {
		res := apiCaller{s: s, header: "token wrong"}.do(t, "GET", "/api/v1/user", nil)
		require.Equal(t, http.StatusUnauthorized, res.Status)
	}
	res = apiCaller{s: s, header: "token wrong"}.do(t, "GET", "/api/v1/user", nil)
	assert.Equal(t, http.StatusTooManyRequests, res.Status)
}
