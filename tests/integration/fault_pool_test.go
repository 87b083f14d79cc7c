package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestPoolFaults runs pools in real server processes: one killed (-9)
// while its runners are starting and started again, and two serving one
// database. No job runs twice, none is lost, the pool never has more than
// MAX_RUNNERS runners, and nothing is left afterwards.
func TestPoolFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs server processes")
	}
	bin := buildBinary(t)
	runner := buildJITRunner(t)
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			// The killed server's runners reach the new one, on the same address.
			t.Run("RestartWhileStarting", func(t *testing.T) { testPoolRestartWhileStarting(t, bin, runner, b, "2s") })
			// They boot past the lease: the new server takes their rows over,
			// removes them, and starts runners of its own.
			t.Run("RestartTakesOver", func(t *testing.T) { testPoolRestartWhileStarting(t, bin, runner, b, "20s") })
			t.Run("TwoServersOneDatabase", func(t *testing.T) { testPoolTwoServers(t, bin, runner, b) })
		})
	}
}

// poolSection is a pool of at most max runners of tests/jitrunner.
func poolSection(runner, dir string, max int, env ...string) string {
	return fmt.Sprintf("[provisioner.linux]\nLABELS = linux\nMAX_RUNNERS = %d\nSTART_TIMEOUT = 30s\nSTART_COMMAND = %s\n",
		max, jitRunnerCommand(runner, dir, env...))
}

// freePort finds a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// The server is killed while both its runners are still booting; the one
// started in its place, on the same address, finds their rows: runners
// that got in touch run their jobs, those whose process went are removed
// once the lease runs out, and the third job gets a runner of its own.
func testPoolRestartWhileStarting(t *testing.T, bin, runner string, b dbtest.Backend, boot string) {
	site := newFaultSite(t, b.NewDatabase(t))
	dir := t.TempDir()
	port := freePort(t)
	config := func(name string, env ...string) string {
		cfg := site.writeConfig(t, name, site.dbo, poolSection(runner, dir, 2, env...))
		raw, err := os.ReadFile(cfg)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(raw), "HTTP_PORT = 0", fmt.Sprintf("HTTP_PORT = %d", port), 1)), 0o600))
		return cfg
	}
	first := startServer(t, bin, config("first", "JITRUNNER_DELAY="+boot))
	live := sampleLive(t, site.ctx)
	jobs := site.queue(t, 3) // queued by the test's own process: the server hears of them as another process would
	require.Eventually(t, func() bool {
		rows, err := pool_model.FindLive(site.ctx, "linux")
		require.NoError(t, err)
		return len(rows) == 2
	}, 20*time.Second, 10*time.Millisecond, "two runners are starting; logs: %s", first.logs)
	first.kill()

	second := startServer(t, bin, config("second"))
	t.Cleanup(func() {
		if t.Failed() {
			dumpPool(t, site.ctx, jobs)
			t.Logf("first server's log:\n%s\nsecond server's log:\n%s", first.logs, second.logs)
		}
	})
	requireAllDone(t, site.ctx, dir, jobs, 90*time.Second)
	requireNothingLeft(t, site.ctx, dir, 60*time.Second)
	live.stop()
	assert.LessOrEqual(t, live.rows.Load(), int64(2), "never more than MAX_RUNNERS, across the restart")
	assert.LessOrEqual(t, live.runners.Load(), int64(2))
	t.Logf("runners made: %d; second server's log:\n%s", runnersMade(t, site.ctx), second.logs)
}

// Two servers share the pool: together they never run more than
// MAX_RUNNERS, and each job runs once.
func testPoolTwoServers(t *testing.T, bin, runner string, b dbtest.Backend) {
	site := newFaultSite(t, b.NewDatabase(t))
	dir := t.TempDir()
	section := poolSection(runner, dir, 2, "JITRUNNER_HOLD=300ms")
	a := startServer(t, bin, site.writeConfig(t, "a", site.dbo, section))
	c := startServer(t, bin, site.writeConfig(t, "b", site.dbo, section))
	live := sampleLive(t, site.ctx)
	jobs := site.queue(t, 6)
	requireAllDone(t, site.ctx, dir, jobs, 90*time.Second)
	requireNothingLeft(t, site.ctx, dir, 30*time.Second)
	live.stop()
	assert.Equal(t, int64(2), live.rows.Load(), "two runners at once, never more, whichever server started them")
	assert.LessOrEqual(t, live.runners.Load(), int64(2))
	made := runnersMade(t, site.ctx)
	assert.GreaterOrEqual(t, made, int64(len(jobs)))
	t.Logf("runners made for %d jobs: %d", len(jobs), made)
	for _, p := range []*serverProcess{a, c} {
		assert.NotContains(t, p.logs.String(), "pool pass failed", "logs: %s", p.logs)
	}
}

// dumpPool logs the pool's rows, the runners and the jobs, for a failure.
func dumpPool(t *testing.T, ctx context.Context, jobs []int64) {
	rows, err := pool_model.FindLive(ctx, "linux")
	require.NoError(t, err)
	for _, r := range rows {
		t.Logf("row %+v", *r)
	}
	var runners []*actions_model.Runner
	require.NoError(t, db.GetEngine(ctx).Find(&runners))
	for _, r := range runners {
		t.Logf("runner id=%d name=%s tasks=%d last_online=%d deleted=%d", r.ID, r.Name, r.TaskCount, r.LastOnline, r.Deleted)
	}
	for _, id := range jobs {
		j, err := actions_model.GetRunJobByID(ctx, id)
		require.NoError(t, err)
		t.Logf("job %d status %s task %d", j.ID, j.Status, j.TaskID)
	}
}
