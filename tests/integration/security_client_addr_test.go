package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

const wrongRegToken = "0000000000000000000000000000000000000000"

// registerFrom calls Register with a token, as a client behind a proxy that
// sends X-Forwarded-For: forwardedFor.
func registerFrom(s *testserver.Server, forwardedFor, token string) error {
	c := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL())
	req := connect.NewRequest(&runnerv1.RegisterRequest{Name: "r", Token: token, Labels: []string{"x"}})
	req.Header().Set("X-Forwarded-For", forwardedFor)
	_, err := c.Register(context.Background(), req)
	return err
}

// apiFrom calls the REST API with an Authorization header, forwarded for a client.
func apiFrom(t *testing.T, s *testserver.Server, forwardedFor, auth, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", auth)
	req.Header.Set("X-Forwarded-For", forwardedFor)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b
}

// TestClientAddr_BehindTrustedProxy puts the server behind a proxy (the
// test's loopback address is trusted): clients are told apart by
// X-Forwarded-For, for the registration limit, the password limit and the
// audit log alike; a good registration token is let through from an address
// over the limit, and one account's guesser does not lock another out.
func TestClientAddr_BehindTrustedProxy(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), func(o *options.Options) {
		o.Server.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		o.Actions.RegisterRateLimit = 1
		o.Actions.RegisterRateBurst = 2
	})
	stopPasswordClock(s)
	good := s.RegistrationToken(t, identity.InstanceScope)
	const guesser, colleague = "203.0.113.5", "203.0.113.6"

	for i := 0; i < 2; i++ {
		requireCode(t, registerFrom(s, guesser, wrongRegToken), connect.CodeUnauthenticated)
	}
	requireCode(t, registerFrom(s, guesser, wrongRegToken), connect.CodeResourceExhausted, "the guesser's third wrong token")
	require.NoError(t, registerFrom(s, guesser, good), "a good token from the same address is let through")
	requireCode(t, registerFrom(s, colleague, wrongRegToken), connect.CodeUnauthenticated, "another client behind the proxy has its own budget")
	require.NoError(t, registerFrom(s, colleague, good))

	root, _ := newUser(t, s, "root", true)
	newUser(t, s, "alice", false)
	for i := 0; i < accountFailureBurst; i++ {
		status, body := apiFrom(t, s, guesser, basic("alice", "guess-"+strconv.Itoa(i)), "GET", "/api/v1/user")
		require.Equal(t, http.StatusUnauthorized, status, "%s", body)
	}
	status, _ := apiFrom(t, s, guesser, basic("alice", "alice-password"), "GET", "/api/v1/user")
	assert.Equal(t, http.StatusTooManyRequests, status, "alice waits at the guesser's address")
	status, body := apiFrom(t, s, colleague, basic("alice", "alice-password"), "GET", "/api/v1/user")
	assert.Equal(t, http.StatusOK, status, "alice signs in from her own address behind the same proxy: %s", body)
	status, body = apiFrom(t, s, guesser, basic("root", "root-password"), "GET", "/api/v1/user")
	assert.Equal(t, http.StatusOK, status, "root signs in from the guesser's address: %s", body)
	require.Equal(t, "root", root.Name)

	// The audit log says where each change came from.
	status, body = apiFrom(t, s, "198.51.100.77", basic("root", "root-password"), "POST", "/api/v1/admin/actions/runners/registration-token/reset")
	require.Equal(t, http.StatusOK, status, "%s", body)
	status, body = apiFrom(t, s, "198.51.100.77", basic("root", "root-password"), "GET", "/api/v1/admin/actions/audit")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var audit struct {
		Events []struct {
			Action     string `json:"action"`
			RemoteAddr string `json:"remote_address"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(body, &audit))
	from := map[string][]string{}
	for _, e := range audit.Events {
		from[e.Action] = append(from[e.Action], e.RemoteAddr)
	}
	assert.Equal(t, []string{"198.51.100.77"}, from[actions_service.AuditTokenReset])
	assert.ElementsMatch(t, []string{guesser, colleague}, from[actions_service.AuditRunnerRegister])
}

// TestClientAddr_ForwardingIgnoredWithoutTrustedProxies: a client that
// sends X-Forwarded-For itself gains a fresh budget with none of its values.
func TestClientAddr_ForwardingIgnoredWithoutTrustedProxies(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), func(o *options.Options) {
		o.Actions.RegisterRateLimit = 1
		o.Actions.RegisterRateBurst = 2
	})
	for i := 0; i < 2; i++ {
		requireCode(t, registerFrom(s, "203.0.113."+strconv.Itoa(i), wrongRegToken), connect.CodeUnauthenticated)
	}
	requireCode(t, registerFrom(s, "203.0.113.99", wrongRegToken), connect.CodeResourceExhausted, "a made-up forwarded address is not believed")
}
