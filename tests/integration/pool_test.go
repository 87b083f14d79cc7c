package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/provisioner"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// The built-in provisioner, in-process on every database, with real start
// commands: tests/jitrunner (a real runner process on the protocol client)
// for the runners that work, shell commands for those that do not.

var (
	jitRunnerOnce sync.Once
	jitRunnerBin  string
	jitRunnerErr  error
)

// buildJITRunner builds tests/jitrunner once per test binary.
func buildJITRunner(t testing.TB) string {
	t.Helper()
	jitRunnerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jitrunner")
		if err != nil {
			jitRunnerErr = err
			return
		}
		jitRunnerBin = filepath.Join(dir, "jitrunner")
		out, err := exec.Command("go", "build", "-o", jitRunnerBin, "../jitrunner").CombinedOutput()
		if err != nil {
			jitRunnerErr = err
			t.Logf("go build jitrunner: %s", out)
		}
	})
	require.NoError(t, jitRunnerErr)
	return jitRunnerBin
}

// poolSite is a server with one pool, the folder its jitrunners write to,
// and what the provisioner reported.
type poolSite struct {
	s    *testserver.Server
	dir  string
	repo testserver.Repo

	mu     sync.Mutex
	events []provisioner.Event
}

// jitRunnerCommand is a START_COMMAND running tests/jitrunner with env set.
func jitRunnerCommand(bin, dir string, env ...string) string {
	return strings.Join(append([]string{"JITRUNNER_DIR=" + dir}, env...), " ") + " exec " + bin
}

func newPoolSite(t *testing.T, s *testserver.Server, dir string) *poolSite {
	site := &poolSite{s: s, dir: dir, repo: s.CreateRepo(t, "octo", "app")}
	s.App.Pools().Observe(func(e provisioner.Event) {
		site.mu.Lock()
		site.events = append(site.events, e)
		site.mu.Unlock()
	})
	return site
}

func (p *poolSite) count(kind, outcome string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.events {
		if e.Kind == kind && (outcome == "" || e.Outcome == outcome) {
			n++
		}
	}
	return n
}

// startPoolServer starts a server on b with pool "linux" (label linux).
func startPoolServer(t *testing.T, s func(configure ...func(*options.Options)) *testserver.Server, pool options.Pool) *testserver.Server {
	t.Helper()
	pool.Name, pool.Labels = "linux", []string{"linux"}
	if pool.StartTimeout == 0 {
		pool.StartTimeout = 30 * time.Second
	}
	return s(func(o *options.Options) { o.Pools = []options.Pool{pool} })
}

// liveSampler records the most pool rows and live runners seen at once.
type liveSampler struct {
	rows, runners atomic.Int64
	stop          func()
}

func sampleLive(t *testing.T, ctx context.Context) *liveSampler {
	ls := &liveSampler{}
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c.Err() == nil {
			if rows, err := pool_model.FindLive(ctx, "linux"); err == nil && int64(len(rows)) > ls.rows.Load() {
				ls.rows.Store(int64(len(rows)))
			}
			if _, n, err := actions_model.FindRunners(ctx, actions_model.FindRunnerOptions{AnyScope: true}); err == nil && n > ls.runners.Load() {
				ls.runners.Store(n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	ls.stop = func() { cancel(); <-done }
	t.Cleanup(ls.stop)
	return ls
}

// requireAllDone waits until every job succeeded, and checks each ran
// exactly once: one task per job, one task file per task.
func requireAllDone(t *testing.T, ctx context.Context, dir string, jobs []int64, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, id := range jobs {
			j, err := actions_model.GetRunJobByID(ctx, id)
			require.NoError(t, err)
			if j.Status != actions_model.StatusSuccess {
				return false
			}
		}
		return true
	}, within, 50*time.Millisecond, "every job runs to success")
	for _, id := range jobs {
		n, err := actions_model.CountJobTasks(ctx, id, 1)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "job %d ran once", id)
	}
	files, err := filepath.Glob(filepath.Join(dir, "task-*"))
	require.NoError(t, err)
	assert.Len(t, files, len(jobs), "each job was run by one runner process, once")
}

// requireNothingLeft waits until the pool has no runner, no row and no
// process left.
func requireNothingLeft(t *testing.T, ctx context.Context, dir string, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		rows, err := pool_model.FindLive(ctx, "linux")
		require.NoError(t, err)
		_, n, err := actions_model.FindRunners(ctx, actions_model.FindRunnerOptions{AnyScope: true})
		require.NoError(t, err)
		return len(rows) == 0 && n == 0 && len(liveProcesses(t, dir)) == 0
	}, within, 50*time.Millisecond, "no runner, pool row or runner process is left")
}

// liveProcesses lists the pids of dir's pid files whose process lives.
func liveProcesses(t *testing.T, dir string) []int {
	files, err := filepath.Glob(filepath.Join(dir, "pid-*"))
	require.NoError(t, err)
	var live []int
	for _, f := range files {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(f), "pid-"))
		require.NoError(t, err)
		if syscall.Kill(pid, 0) == nil {
			live = append(live, pid)
		}
	}
	return live
}

// TestPool_StartsOneRunnerPerJobUpToMax queues three jobs for a pool of at
// most two runners: each job gets a runner of its own (never more than two
// at once), runs once, and the pool ends empty.
func TestPool_StartsOneRunnerPerJobUpToMax(t *testing.T) {
	bin := buildJITRunner(t)
	eachBackendRaw(t, func(t *testing.T, start func(configure ...func(*options.Options)) *testserver.Server) {
		dir := t.TempDir()
		s := startPoolServer(t, start, options.Pool{MaxRunners: 2, StartCommand: jitRunnerCommand(bin, dir)})
		site := newPoolSite(t, s, dir)
		live := sampleLive(t, s.Ctx)
		jobs := s.QueueJobs(t, site.repo, []string{"linux"}, []string{"linux"}, []string{"linux"})
		requireAllDone(t, s.Ctx, dir, jobs, time.Minute)
		requireNothingLeft(t, s.Ctx, dir, 30*time.Second)
		live.stop()
		assert.Equal(t, int64(2), live.rows.Load(), "two runners at once, never more")
		assert.LessOrEqual(t, live.runners.Load(), int64(2))
		assert.Equal(t, 3, site.count(provisioner.EventStarted, ""), "one start per job")
		assert.Equal(t, 3, site.count(provisioner.EventReady, ""))
		assert.Zero(t, site.count(provisioner.EventFailed, ""))
	})
}

// TestPool_KeepsMinIdleWarm keeps one runner idle with no job queued; a
// queued job goes to it and another warm one replaces it.
func TestPool_KeepsMinIdleWarm(t *testing.T) {
	bin := buildJITRunner(t)
	eachBackendRaw(t, func(t *testing.T, start func(configure ...func(*options.Options)) *testserver.Server) {
		dir := t.TempDir()
		s := startPoolServer(t, start, options.Pool{MinIdle: 1, MaxRunners: 3, StartCommand: jitRunnerCommand(bin, dir)})
		site := newPoolSite(t, s, dir)
		// waitWarm waits until the pool is one idle runner other than not, and returns it.
		waitWarm := func(not int64) int64 {
			var id int64
			require.Eventually(t, func() bool {
				rows, err := pool_model.FindLive(s.Ctx, "linux")
				require.NoError(t, err)
				if len(rows) != 1 || rows[0].State != pool_model.StateIdle || rows[0].RunnerID == not {
					return false
				}
				id = rows[0].RunnerID
				return true
			}, 30*time.Second, 20*time.Millisecond, "one idle runner")
			return id
		}
		warm := waitWarm(0)
		time.Sleep(1500 * time.Millisecond) // a few passes: the warm one is enough
		assert.Equal(t, int64(1), runnersMade(t, s.Ctx))

		jobs := s.QueueJobs(t, site.repo, []string{"linux"})
		requireAllDone(t, s.Ctx, dir, jobs, 30*time.Second)
		waitWarm(warm)
		assert.Equal(t, int64(2), runnersMade(t, s.Ctx), "the warm runner took the job; one more was started to stay warm")
	})
}

// runnersMade counts the runners ever made, removed ones too.
func runnersMade(t *testing.T, ctx context.Context) int64 {
	n, err := db.GetEngine(ctx).Count(new(actions_model.Runner))
	require.NoError(t, err)
	return n
}

// eachBackendRaw runs fn on every database with a way to start a server.
func eachBackendRaw(t *testing.T, fn func(t *testing.T, start func(configure ...func(*options.Options)) *testserver.Server)) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, func(configure ...func(*options.Options)) *testserver.Server {
				return testserver.Start(t, b, configure...)
			})
		})
	}
}

// TestPool_FailedStarts: a start command that exits 1, one that hangs and
// one whose runner never gets in touch are each a failed start: the
// runner is removed, the command's processes ended, the failure kept with
// the command's last lines, and the pool backs off; the job still waits.
func TestPool_FailedStarts(t *testing.T) {
	bin := buildJITRunner(t)
	for _, c := range []struct {
		name, command, outcome, output string
	}{
		{"exit 1", "echo starting up; echo 'no space left on device' >&2; exit 1", provisioner.OutcomeExit, "no space left on device"},
		{"hangs", `echo "$$" > "$DIR/pid-$$"; echo booting; exec sleep 600`, provisioner.OutcomeTimeout, "booting"},
		{"never connects", "DIR=$DIR JITRUNNER_SILENT=1 " + jitRunnerCommand(bin, "$DIR"), provisioner.OutcomeTimeout, "jitrunner: runner linux-"},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachBackendRaw(t, func(t *testing.T, start func(configure ...func(*options.Options)) *testserver.Server) {
				dir := t.TempDir()
				s := startPoolServer(t, start, options.Pool{MaxRunners: 2, StartTimeout: time.Second,
					StartCommand: "DIR=" + dir + "; " + c.command})
				site := newPoolSite(t, s, dir)
				jobs := s.QueueJobs(t, site.repo, []string{"linux"})
				require.Eventually(t, func() bool { return site.count(provisioner.EventFailed, c.outcome) >= 2 },
					20*time.Second, 20*time.Millisecond, "the start fails, and is tried again after a pause")
				failed, err := pool_model.FindFailed(s.Ctx, "linux", 10)
				require.NoError(t, err)
				require.NotEmpty(t, failed)
				assert.Equal(t, c.outcome, failed[0].Outcome)
				assert.Contains(t, failed[0].Output, c.output, "the command's last lines are kept")
				site.mu.Lock()
				var at []time.Time
				for _, e := range site.events {
					if e.Kind == provisioner.EventStarted {
						at = append(at, e.At)
					}
				}
				site.mu.Unlock()
				require.GreaterOrEqual(t, len(at), 2)
				assert.GreaterOrEqual(t, at[1].Sub(at[0]), time.Second, "backoff between failed starts")
				// Every failed start's runner is removed and its processes ended.
				require.Eventually(t, func() bool {
					rows, err := pool_model.FindLive(s.Ctx, "linux")
					require.NoError(t, err)
					_, live, err := actions_model.FindRunners(s.Ctx, actions_model.FindRunnerOptions{AnyScope: true})
					require.NoError(t, err)
					return int64(len(rows)) == live && len(liveProcesses(t, dir)) <= len(rows)
				}, 10*time.Second, 20*time.Millisecond, "no runner outlives its row, no process its runner")
				j, err := actions_model.GetRunJobByID(s.Ctx, jobs[0])
				require.NoError(t, err)
				assert.Equal(t, actions_model.StatusWaiting, j.Status, "the job still waits for a runner that works")
				s.Stop() // stopping ends the attempt under way: nothing is left
				requireNothingLeft(t, s.Ctx, dir, 10*time.Second)
			})
		})
	}
}

// contribScript is the absolute path of a contrib/provisioner script.
func contribScript(t *testing.T, name string) string {
	p, err := filepath.Abs(filepath.Join("..", "..", "contrib", "provisioner", name))
	require.NoError(t, err)
	return p
}

// TestPool_ContribProcessScript runs contrib/provisioner/process.sh as the
// START_COMMAND for real, with tests/jitrunner standing in for act_runner:
// it writes the .runner file from RUNNERHUB_JIT_CONFIG in a fresh folder,
// runs the runner there, and removes the folder afterwards.
func TestPool_ContribProcessScript(t *testing.T) {
	bin := buildJITRunner(t)
	dir, tmp := t.TempDir(), t.TempDir()
	s := startPoolServer(t, func(configure ...func(*options.Options)) *testserver.Server {
		return testserver.Start(t, sqliteOnly(), configure...)
	}, options.Pool{MaxRunners: 2, StartCommand: "JITRUNNER_DIR=" + dir + " ACT_RUNNER=" + bin + " TMPDIR=" + tmp +
		" exec sh " + contribScript(t, "process.sh")})
	site := newPoolSite(t, s, dir)
	jobs := s.QueueJobs(t, site.repo, []string{"linux"}, []string{"linux"})
	requireAllDone(t, s.Ctx, dir, jobs, time.Minute)
	requireNothingLeft(t, s.Ctx, dir, 30*time.Second)
	require.Eventually(t, func() bool {
		left, err := os.ReadDir(tmp)
		require.NoError(t, err)
		return len(left) == 0
	}, 10*time.Second, 20*time.Millisecond, "each runner's work folder is removed")
}

// TestPool_RealActRunner: with ACT_RUNNER naming an act_runner binary, the
// pool starts real act_runners through contrib/provisioner/process.sh for
// three queued jobs, two at a time, each running its job once.
func TestPool_RealActRunner(t *testing.T) {
	actRunner := os.Getenv("ACT_RUNNER")
	if actRunner == "" {
		t.Skip("set ACT_RUNNER to an act_runner binary")
	}
	tmp := t.TempDir()
	eachBackendRaw(t, func(t *testing.T, start func(configure ...func(*options.Options)) *testserver.Server) {
		s := start(func(o *options.Options) {
			o.Pools = []options.Pool{{Name: "linux", Labels: []string{"linux:host"}, MaxRunners: 2, StartTimeout: time.Minute,
				StartCommand: "ACT_RUNNER=" + actRunner + " TMPDIR=" + tmp + " exec sh " + contribScript(t, "process.sh")}}
		})
		live := sampleLive(t, s.Ctx)
		jobs := s.QueueJobs(t, s.CreateRepo(t, "octo", "app"), []string{"linux"}, []string{"linux"}, []string{"linux"})
		require.Eventually(t, func() bool {
			for _, id := range jobs {
				j, err := actions_model.GetRunJobByID(s.Ctx, id)
				require.NoError(t, err)
				if !j.Status.IsDone() {
					return false
				}
			}
			return true
		}, 5*time.Minute, 200*time.Millisecond)
		for _, id := range jobs {
			j, err := actions_model.GetRunJobByID(s.Ctx, id)
			require.NoError(t, err)
			assert.Equal(t, actions_model.StatusSuccess, j.Status)
			n, err := actions_model.CountJobTasks(s.Ctx, id, 1)
			require.NoError(t, err)
			assert.Equal(t, int64(1), n)
		}
		requireNothingLeft(t, s.Ctx, t.TempDir(), time.Minute)
		live.stop()
		assert.LessOrEqual(t, live.rows.Load(), int64(2))
	})
}
