package integration

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	pingv1 "code.gitea.io/actions-proto-go/ping/v1"
	"code.gitea.io/actions-proto-go/ping/v1/pingv1connect"
	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildBinary compiles runnerhub once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "runnerhub")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/runnerhub")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// TestServe_Binary runs the real binary the way an admin does: a config
// file, a token from the CLI, a runner registering, a SIGHUP it survives,
// then SIGTERM.
func TestServe_Binary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app.ini")
	require.NoError(t, os.WriteFile(cfg, []byte(`
[server]
HTTP_PORT = 0
APP_DATA_PATH = `+filepath.Join(dir, "data")+`
SHUTDOWN_TIMEOUT = 5s
[database]
PATH = `+filepath.Join(dir, "data", "rh.db")+`
`), 0o600))

	tokenOut, err := exec.Command(bin, "actions", "generate-runner-token", "--config", cfg).Output()
	require.NoError(t, err)
	token := strings.TrimSpace(string(tokenOut))
	require.Len(t, token, 40)

	srv := exec.Command(bin, "serve", "--config", cfg)
	srv.Env = append(os.Environ(), "RUNNERHUB__SERVER__HTTP_ADDR=127.0.0.1")
	stdout, err := srv.StdoutPipe()
	require.NoError(t, err)
	// The child's output is copied in by exec's own goroutine while the
	// test reads it, so it goes to a buffer that takes a lock.
	stderr := &lockedBuffer{}
	srv.Stderr = stderr
	require.NoError(t, srv.Start())
	t.Cleanup(func() { _ = srv.Process.Kill() })

	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "serve prints its address; stderr: %s", stderr.String())
	base := strings.TrimPrefix(lines.Text(), "listening on ")
	require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), lines.Text())
	rpc := base + "/api/actions"

	ping, err := pingv1connect.NewPingServiceClient(http.DefaultClient, rpc).Ping(context.Background(), connect.NewRequest(&pingv1.PingRequest{Data: "x"}))
	require.NoError(t, err)
	assert.Equal(t, "Hello, x!", ping.Msg.Data)
	reg, err := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, rpc).Register(context.Background(),
		connect.NewRequest(&runnerv1.RegisterRequest{Name: "cli-runner", Token: token, Labels: []string{"ubuntu-latest:host"}}))
	require.NoError(t, err, "the CLI's token registers a runner with the running server")
	assert.NotEmpty(t, reg.Msg.Runner.Uuid)

	// SIGHUP over plain http has nothing to reload: it is logged and the
	// process goes on serving (Go's default would end it).
	require.NoError(t, srv.Process.Signal(syscall.SIGHUP))
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "SIGHUP ignored"); {
		require.True(t, time.Now().Before(deadline), "no log line for SIGHUP; stderr: %s", stderr.String())
		time.Sleep(10 * time.Millisecond)
	}
	ping, err = pingv1connect.NewPingServiceClient(http.DefaultClient, rpc).Ping(context.Background(), connect.NewRequest(&pingv1.PingRequest{Data: "y"}))
	require.NoError(t, err, "still serving after SIGHUP; stderr: %s", stderr.String())
	assert.Equal(t, "Hello, y!", ping.Msg.Data)

	require.NoError(t, srv.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "a SIGTERM shutdown exits cleanly; stderr: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	assert.Contains(t, stderr.String(), `"msg":"stopped"`)
	assert.NotContains(t, stderr.String(), token, "tokens never appear in logs")
}
