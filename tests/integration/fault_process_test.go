package integration

import (
	"bufio"
	"bytes"
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// faultSecretKey is the [security] SECRET_KEY every process of a fault test
// shares, as processes on one database must.
const faultSecretKey = "fault-test-secret-key"

// TestFaults runs the real binary as separate processes and breaks things
// under it: a kill -9 in the middle of log streams, two servers on one
// database, and the database going away. The binary is built once for all.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs server processes")
	}
	bin := buildBinary(t)
	t.Run("KillDuringLogStreams", func(t *testing.T) { testKillDuringLogStreams(t, bin) })
	t.Run("TwoServersOneDatabase", func(t *testing.T) { testTwoServersOneDatabase(t, bin) })
	t.Run("DatabaseOutage", func(t *testing.T) { testDatabaseOutage(t, bin) })
}

// faultSite is a database prepared for server processes: migrated, with a
// repository, and the test's own view of it through the services.
type faultSite struct {
	dir  string
	dbo  options.Database
	ctx  context.Context // carries the test's engine on the same database
	svc  *actions_service.Service
	repo *repo_model.Repository
}

func newFaultSite(t *testing.T, dbo options.Database) *faultSite {
	t.Helper()
	x, err := db.Open(dbo)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	ctx := db.WithEngine(context.Background(), x)
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Standalone))
	box, err := secret.NewBox(faultSecretKey)
	require.NoError(t, err)
	o := options.Default()
	o.Database = dbo
	site := &faultSite{dir: t.TempDir(), dbo: dbo, ctx: ctx, svc: actions_service.New(o, box)}
	u := &user_model.User{Name: "octo"}
	require.NoError(t, user_model.CreateUser(ctx, u))
	site.repo = &repo_model.Repository{OwnerID: u.ID, Name: "app"}
	require.NoError(t, repo_model.CreateRepository(ctx, site.repo))
	return site
}

// registrationToken returns the instance's reusable registration token.
func (s *faultSite) registrationToken(t *testing.T) string {
	t.Helper()
	tok, err := s.svc.DefaultRegistrationToken(s.ctx, identity.InstanceScope)
	require.NoError(t, err)
	return tok
}

// queue creates runs of one job each on label "linux", in runs of up to 50.
func (s *faultSite) queue(t *testing.T, n int) []int64 {
	t.Helper()
	var ids []int64
	for len(ids) < n {
		in := actions_service.RunInput{OwnerID: s.repo.OwnerID, RepoID: s.repo.ID, WorkflowID: "fault.yml", Ref: "refs/heads/main", Event: "push"}
		for i := 0; i < 50 && len(ids)+i < n; i++ {
			id := fmt.Sprintf("job%d", i)
			in.Jobs = append(in.Jobs, actions_service.JobInput{JobID: id, Name: id, RunsOn: []string{"linux"},
				WorkflowPayload: []byte("on: push\njobs:\n  " + id + ":\n    runs-on: linux\n    steps:\n      - run: echo hi\n")})
		}
		_, jobs, err := s.svc.CreateRun(s.ctx, in)
		require.NoError(t, err)
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
	}
	return ids
}

// writeConfig writes an app.ini for a server process on the site's
// database, or on dbo when given (a proxy in front of it, say).
func (s *faultSite) writeConfig(t *testing.T, name string, dbo options.Database, extra string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "[server]\nHTTP_ADDR = 127.0.0.1\nHTTP_PORT = 0\nAPP_DATA_PATH = %s\nSHUTDOWN_TIMEOUT = 5s\n", filepath.Join(s.dir, name))
	fmt.Fprintf(&b, "[security]\nSECRET_KEY = %s\n", faultSecretKey)
	fmt.Fprintf(&b, "[database]\nDB_TYPE = %s\nPATH = %s\nHOST = %s\nNAME = %s\nUSER = %s\nPASSWD = %s\nSSL_MODE = %s\nMAX_OPEN_CONNS = 16\n",
		dbo.Type, dbo.Path, dbo.Host, dbo.Name, dbo.User, dbo.Passwd, dbo.SSLMode)
	b.WriteString(extra)
	path := filepath.Join(s.dir, name+".ini")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

// serverProcess is a running `runnerhub serve`.
type serverProcess struct {
	cmd  *exec.Cmd
	URL  string // http://127.0.0.1:port
	logs *lockedBuffer
	done chan struct{} // closed when the process has exited
}

// startServer runs `serve --config cfg` and waits until it listens.
func startServer(t *testing.T, bin, cfg string) *serverProcess {
	t.Helper()
	p := &serverProcess{cmd: exec.Command(bin, "serve", "--config", cfg), logs: &lockedBuffer{}, done: make(chan struct{})}
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	p.cmd.Stderr = p.logs
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait() // how it ended is the test's to judge from what it sees
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "serve prints its address; stderr: %s", p.logs)
	p.URL = strings.TrimPrefix(lines.Text(), "listening on ")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return p
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would,
// and waits until it is gone.
func (p *serverProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL) // fails only when it has already exited
	<-p.done
}

func (p *serverProcess) rpcURL() string { return p.URL + "/api/actions" }

// lockedBuffer collects a process's output for the test to read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// procRunner is a runner registered with a server process; its calls go to
// whichever address base returns, so it can follow a restarted server.
type procRunner struct {
	uuid, token string
	ephemeral   bool
}

// registerAt registers a runner with the server at rpcURL.
func registerAt(t *testing.T, rpcURL, regToken, name string, ephemeral bool) *procRunner {
	t.Helper()
	c := runnerv1connect.NewRunnerServiceClient(faultHTTPClient, rpcURL)
	res, err := c.Register(context.Background(), connect.NewRequest(&runnerv1.RegisterRequest{
		Name: name, Token: regToken, Labels: []string{"linux"}, Version: "fault-test", Ephemeral: ephemeral,
	}))
	require.NoError(t, err)
	return &procRunner{uuid: res.Msg.Runner.Uuid, token: res.Msg.Runner.Token, ephemeral: ephemeral}
}

// client talks to the server at rpcURL with the runner's credentials.
func (r *procRunner) client(rpcURL string) runnerv1connect.RunnerServiceClient {
	return runnerv1connect.NewRunnerServiceClient(faultHTTPClient, rpcURL, connect.WithInterceptors(credentials(r.uuid, r.token)))
}

// faultHTTPClient does not wait long for a server that is gone.
var faultHTTPClient = &http.Client{Timeout: 30 * time.Second}

func credentials(uuid, token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("x-runner-uuid", uuid)
			req.Header().Set("x-runner-token", token)
			return next(ctx, req)
		}
	}
}
