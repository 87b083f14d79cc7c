package integration

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	runnerhubv1 "code.runnerhub.dev/runnerhub/proto/runnerhub/runner/v1"
)

// TestSecurity_TokensNeverInLogs runs the binary with SQL logging on through
// a whole flow — CLI setup, REST, registration, a job with its runtime
// token, and a series of refused calls that carry good and bad secrets —
// and then reads everything the process wrote: no registration token,
// runner token, runtime token or access token is in it.
func TestSecurity_TokensNeverInLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`
[server]
HTTP_ADDR = 127.0.0.1
HTTP_PORT = 0
APP_DATA_PATH = %[1]s
[database]
PATH = %[1]s/rh.db
LOG_SQL = true
`, dir)), 0o600))
	var cliLogs strings.Builder // what the commands wrote besides their answer
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--config", cfg)...)
		cmd.Stderr = &cliLogs
		out, err := cmd.Output()
		require.NoError(t, err, "%v: %s", args, cliLogs.String())
		return strings.TrimSpace(string(out))
	}
	var secrets []string // every secret the flow handles
	cli("admin", "user", "create", "--username", "root", "--password", "root-password-1", "--admin")
	accessToken := cli("admin", "user", "generate-access-token", "--username", "root", "--raw")
	regToken := cli("actions", "generate-runner-token")
	secrets = append(secrets, accessToken, regToken, "root-password-1")

	srv := startServer(t, bin, cfg)
	api := func(method, path, auth string, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	auth := "token " + accessToken
	status, body := api(http.MethodPost, "/api/v1/orgs", auth, `{"username":"acme"}`)
	require.Equal(t, http.StatusCreated, status, body)
	status, body = api(http.MethodPost, "/api/v1/orgs/acme/repos", auth, `{"name":"app"}`)
	require.Equal(t, http.StatusCreated, status, body)
	status, body = api(http.MethodPost, "/api/v1/orgs/acme/actions/runners/registration-tokens", auth, `{"name":"pool"}`)
	require.Equal(t, http.StatusCreated, status, body)
	named := jsonField(t, body, "token")
	status, body = api(http.MethodPost, "/api/v1/orgs/acme/actions/runners/registration-token", auth, "")
	require.Equal(t, http.StatusOK, status, body)
	orgDefault := jsonField(t, body, "token")
	secrets = append(secrets, named, orgDefault)
	status, body = api(http.MethodPost, "/api/v1/orgs/acme/actions/runners/generate-jitconfig", auth, `{"name":"jit","labels":["linux"]}`)
	require.Equal(t, http.StatusCreated, status, body)
	jitConfig := jsonField(t, body, "encoded_jit_config")
	jitFile, err := base64.StdEncoding.DecodeString(jitConfig)
	require.NoError(t, err)
	jitToken := jsonField(t, string(jitFile), "token")
	secrets = append(secrets, jitConfig, jitToken)

	rpc := srv.rpcURL()
	runner := registerAt(t, rpc, named, "worker", false)
	other := registerAt(t, rpc, regToken, "other", true)
	secrets = append(secrets, runner.token, other.token)
	ctx := context.Background()
	c := runner.client(rpc)
	_, err = c.Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{Version: "v1", Labels: []string{"linux"}}))
	require.NoError(t, err)
	jit := &procRunner{uuid: jsonField(t, string(jitFile), "uuid"), token: jitToken}
	_, err = jit.client(rpc).Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{Version: "v1", Labels: []string{"linux"}}))
	require.NoError(t, err, "the JIT config's runner is in touch")
	status, body = api(http.MethodPost, "/api/v1/repos/acme/app/actions/runs", auth,
		`{"workflow":"on: push\njobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: echo hi\n"}`)
	require.Equal(t, http.StatusCreated, status, body)
	res, err := c.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
	require.NoError(t, err)
	require.NotNil(t, res.Msg.Task)
	task := res.Msg.Task
	runtimeToken := task.Context.Fields["gitea_runtime_token"].GetStringValue()
	require.NotEmpty(t, runtimeToken)
	secrets = append(secrets, runtimeToken)
	require.Equal(t, http.StatusOK, verifyStatus(t, srv.URL, runtimeToken))

	_, err = c.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows("out-", 3), NoMore: true}))
	require.NoError(t, err)
	_, err = c.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
		Id: task.Id, Result: runnerv1.Result_RESULT_SUCCESS, StoppedAt: timestamppb.Now(),
	}}))
	require.NoError(t, err)

	// Refusals, each carrying a secret or a near miss of one.
	assert.Equal(t, http.StatusUnauthorized, verifyStatus(t, srv.URL, runtimeToken), "the finished task's token")
	anon := runnerv1connect.NewRunnerServiceClient(faultHTTPClient, rpc)
	for _, tok := range []string{regToken + "0", strings.ToUpper(named), ""} {
		_, err = anon.Register(ctx, connect.NewRequest(&runnerv1.RegisterRequest{Name: "x", Token: tok, Labels: []string{"linux"}}))
		requireCode(t, err, connect.CodeUnauthenticated)
	}
	wrong := &procRunner{uuid: runner.uuid, token: other.token}
	_, err = wrong.client(rpc).FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
	requireCode(t, err, connect.CodeUnauthenticated)
	_, err = other.client(rpc).UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: logRows(runner.token, 1)}))
	requireCode(t, err, connect.CodePermissionDenied)
	status, _ = api(http.MethodGet, "/api/v1/user", "token "+accessToken+"x", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = api(http.MethodGet, "/api/v1/user", "token "+runner.token, "")
	assert.Equal(t, http.StatusUnauthorized, status)
	_, err = runnerhubv1.NewDeregisterClient(faultHTTPClient, rpc, connect.WithInterceptors(credentials(runner.uuid, runner.token))).
		CallUnary(ctx, connect.NewRequest(&runnerhubv1.DeregisterRequest{}))
	require.NoError(t, err)

	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	logs := srv.logs.String() + cliLogs.String()
	require.Contains(t, logs, "runnerhub listening", "the log was captured")
	require.Contains(t, logs, "token_hash", "SQL logging was on: the statements on secret columns are in the log")
	require.Contains(t, logs, runner.uuid, "and the values of other columns")
	require.Contains(t, logs, "[redacted]", "but not the values of secret columns")
	for _, s := range secrets {
		require.NotEmpty(t, s)
		assert.False(t, strings.Contains(logs, s), "a secret (%.6s…) is in the server log", s)
		if s != "root-password-1" {
			assert.False(t, strings.Contains(logs, secret.Hash(s)), "the hash of a token (%.6s…) is in the server log", s)
		}
	}
	// What is stored for the password and the sealed registration token,
	// read back from the database: none of it is in the log either.
	x, err := db.Open(options.Database{Type: "sqlite3", Path: filepath.Join(dir, "rh.db")})
	require.NoError(t, err)
	defer x.Close()
	stored, err := x.QueryString("SELECT passwd_hash AS v FROM " + x.Quote("user") + " WHERE passwd_hash <> '' UNION ALL SELECT token_cipher FROM action_runner_token WHERE token_cipher <> ''")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(stored), 2, "a password hash and a sealed registration token")
	for _, row := range stored {
		v := row["v"]
		require.NotEmpty(t, v)
		assert.False(t, strings.Contains(logs, v), "a stored secret (%.12s…) is in the server log", v)
	}
}

func jsonField(t *testing.T, body, field string) string {
	t.Helper()
	r := apiResponse{Body: []byte(body)}
	var m map[string]any
	r.decode(t, &m)
	v, _ := m[field].(string)
	require.NotEmpty(t, v, "%s in %s", field, body)
	return v
}
