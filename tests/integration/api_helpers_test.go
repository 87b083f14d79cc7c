package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// apiCaller calls the REST API as one user.
type apiCaller struct {
	s      *testserver.Server
	header string // the Authorization header; empty for anonymous
}

// apiResponse is a REST answer, read in full.
type apiResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode reads the JSON body into v.
func (r apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// message is the "message" of an error body.
func (r apiResponse) message(t *testing.T) string {
	t.Helper()
	var e struct{ Message string }
	r.decode(t, &e)
	return e.Message
}

func (c apiCaller) do(t *testing.T, method, path string, body any) apiResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.s.URL+path, rd)
	require.NoError(t, err)
	if c.header != "" {
		req.Header.Set("Authorization", c.header)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return apiResponse{Status: res.StatusCode, Header: res.Header, Body: b}
}

// newUser creates a user with a password and an access token, and returns a
// caller that sends the token.
func newUser(t *testing.T, s *testserver.Server, name string, admin bool) (*identity.User, apiCaller) {
	t.Helper()
	u, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: name, Email: name + "@example.com", Password: name + "-password", IsAdmin: admin})
	require.NoError(t, err)
	token, err := s.App.Accounts().CreateAccessToken(s.Ctx, u.ID, "test")
	require.NoError(t, err)
	return u, apiCaller{s: s, header: "token " + token}
}

// sqliteOnly is the backend for tests whose subject does not depend on the database.
func sqliteOnly() dbtest.Backend { return dbtest.Backends()[0] }
