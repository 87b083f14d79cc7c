package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/options"
	runnerhubv1 "code.runnerhub.dev/runnerhub/proto/runnerhub/runner/v1"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// testHost is the example host served on loopback over a fresh database.
type testHost struct {
	*Host
	URL string
	x   *xorm.Engine
	ctx context.Context
}

// startHost serves a new Host on b's fresh database; configure may change
// Runnerhub's options first.
func startHost(t *testing.T, b dbtest.Backend, configure ...func(*options.Options)) *testHost {
	t.Helper()
	x := b.NewEngine(t)
	return startHostOn(t, x, configure...)
}

// startHostOn serves a new Host on x, which may already hold a host's data.
func startHostOn(t *testing.T, x *xorm.Engine, configure ...func(*options.Options)) *testHost {
	t.Helper()
	ctx := context.Background()
	ts := httptest.NewUnstartedServer(nil)
	o := options.Default()
	o.Server.RootURL = "http://" + ts.Listener.Addr().String() + "/"
	o.Security.SecretKey = "host-example-test-key"
	for _, c := range configure {
		c(o)
	}
	h, err := NewHost(ctx, x, HostOptions{Runnerhub: o})
	require.NoError(t, err)
	ts.Config.Handler = h
	h.Start(ctx)
	t.Cleanup(h.Close)
	ts.Start()
	t.Cleanup(ts.Close)
	return &testHost{Host: h, URL: ts.URL, x: x, ctx: ctx}
}

// world is the host's accounts the tests use:
//   - alice owns the organization acme;
//   - bob was made an administrator of acme/app (a collaboration with admin access);
//   - carol is a member of acme, not an owner: she may push to its repositories, not manage them;
//   - dave owns dave/tools and is a stranger to acme.
//
// acme/app is private, acme/web and dave/tools public; each runs a one-job
// workflow on "linux" when pushed to.
type world struct {
	users           map[string]*User
	tokens          map[string]string // name → API token
	acme            *User
	app, web, tools *Repository
}

const testWorkflow = `name: CI
on: push
jobs:
  build:
    runs-on: linux
    steps:
      - name: Compile
        run: make
`

func seedWorld(t *testing.T, h *testHost) *world {
	t.Helper()
	a, ctx := h.Accounts(), h.ctx
	w := &world{users: map[string]*User{}, tokens: map[string]string{}}
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		u, err := a.CreateUser(ctx, name, strings.ToUpper(name[:1])+name[1:]+" Example", name+"@Example.com", "pw-"+name, false)
		require.NoError(t, err)
		w.users[name] = u
		w.tokens[name], err = a.CreateToken(ctx, u.ID, "test")
		require.NoError(t, err)
	}
	var err error
	w.acme, err = a.CreateOrg(ctx, "acme", "Acme Corp", w.users["alice"].ID)
	require.NoError(t, err)
	require.NoError(t, a.AddOrgMember(ctx, w.acme.ID, w.users["carol"].ID, false))
	w.app, err = a.CreateRepo(ctx, w.acme, "app", true, "ci.yml", testWorkflow)
	require.NoError(t, err)
	w.web, err = a.CreateRepo(ctx, w.acme, "web", false, "ci.yml", testWorkflow)
	require.NoError(t, err)
	w.tools, err = a.CreateRepo(ctx, w.users["dave"], "tools", false, "ci.yml", testWorkflow)
	require.NoError(t, err)
	require.NoError(t, a.Collaborate(ctx, w.app.ID, w.users["bob"].ID, accessAdmin))
	return w
}

// response is an HTTP answer, read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "%s", r.Body)
}

// send makes a request; edit may add headers or cookies.
func (h *testHost) send(t *testing.T, method, path string, body io.Reader, edit func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequestWithContext(h.ctx, method, h.URL+path, body)
	require.NoError(t, err)
	if edit != nil {
		edit(req)
	}
	// Redirects are answers the tests look at, not followed.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// api calls the REST API (or a host route) with a host access token and a JSON body.
func (h *testHost) api(t *testing.T, method, path, token string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	return h.send(t, method, path, rd, func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "token "+token)
		}
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
	})
}

// postForm posts a form, with the cookies given.
func (h *testHost) postForm(t *testing.T, path string, form url.Values, cookies ...*http.Cookie) response {
	t.Helper()
	return h.send(t, http.MethodPost, path, strings.NewReader(form.Encode()), func(r *http.Request) {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			r.AddCookie(c)
		}
	})
}

// registrationToken asks the REST API for a repository's registration token.
func (h *testHost) registrationToken(t *testing.T, token, fullName string) string {
	t.Helper()
	res := h.api(t, http.MethodPost, runnerhub.APIPrefix+"/repos/"+fullName+"/actions/runners/registration-token", token, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var out struct{ Token string }
	res.decode(t, &out)
	require.NotEmpty(t, out.Token)
	return out.Token
}

// push simulates a push through the host's own route.
func (h *testHost) push(t *testing.T, token, fullName string) pushResult {
	t.Helper()
	res := h.api(t, http.MethodPost, "/"+fullName+"/push", token, nil)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var out pushResult
	res.decode(t, &out)
	require.Len(t, out.JobIDs, 1)
	return out
}

// runner is a runner registered through the host, with its clients.
type runner struct {
	UUID, Token string
	Client      runnerv1connect.RunnerServiceClient
	Deregister  *connect.Client[runnerhubv1.DeregisterRequest, runnerhubv1.DeregisterResponse]
}

func (h *testHost) rpcURL() string { return h.URL + runnerhub.RunnerPrefix }

// register registers a runner with the protocol's own client, as act_runner does.
func (h *testHost) register(t *testing.T, regToken, name string, ephemeral bool) *runner {
	t.Helper()
	c := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, h.rpcURL())
	res, err := c.Register(h.ctx, connect.NewRequest(&runnerv1.RegisterRequest{
		Name: name, Token: regToken, Labels: []string{"linux"}, Version: "test", Ephemeral: ephemeral,
	}))
	require.NoError(t, err)
	r := res.Msg.Runner
	creds := connect.WithInterceptors(runnerCredentials(r.Uuid, r.Token))
	return &runner{
		UUID: r.Uuid, Token: r.Token,
		Client:     runnerv1connect.NewRunnerServiceClient(http.DefaultClient, h.rpcURL(), creds),
		Deregister: runnerhubv1.NewDeregisterClient(http.DefaultClient, h.rpcURL(), creds),
	}
}

func runnerCredentials(uuid, token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("x-runner-uuid", uuid)
			req.Header().Set("x-runner-token", token)
			return next(ctx, req)
		}
	}
}

// fetch polls once for a task.
func (r *runner) fetch(t *testing.T) *runnerv1.Task {
	t.Helper()
	res, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
	require.NoError(t, err)
	return res.Msg.Task
}

// requireCode checks err is a connect error with code.
func requireCode(t *testing.T, err error, code connect.Code, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, code, connect.CodeOf(err), "%v", err)
}

// contextString reads a string field of a task's github context.
func contextString(task *runnerv1.Task, key string) string {
	return task.GetContext().GetFields()[key].GetStringValue()
}
