package provisioner

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	pool_model "code.runnerhub.dev/runnerhub/models/pool"
)

// How the commands are run.
const (
	// killGrace is how long a command's processes have after SIGTERM
	// before SIGKILL.
	killGrace = 5 * time.Second
	// stopTimeout bounds a STOP_COMMAND.
	stopTimeout = time.Minute
	// tailLines is how many of a command's last output lines are kept.
	tailLines = 20
	// maxOutputBytes bounds a start command's output file: past it, the
	// file is emptied (only the last lines are ever shown).
	maxOutputBytes = 1 << 20
)

// proc is a start command this process runs.
type proc struct {
	cmd *exec.Cmd
	// outPath is the file its output goes to. A file, not a pipe: a pipe's
	// reader dies with this process, and a command that outlives it (its
	// runner busy with a job) would be killed by SIGPIPE at its next line.
	outPath string
	done    chan struct{} // closed when it exited; err is set then

	mu      sync.Mutex
	err     error
	goneAt  time.Time // when its runner went; zero while it lives
	killing bool
}

func (pr *proc) exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

// failed reports whether the command exited with an error.
func (pr *proc) failed() bool {
	if !pr.exited() {
		return false
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.err != nil
}

// result says how the command ended, for the record of a failed start.
func (pr *proc) result() string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.err == nil {
		return "exited 0"
	}
	return "failed: " + pr.err.Error()
}

// output is the command's last lines.
func (pr *proc) output() string {
	f, err := os.Open(pr.outPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		_, _ = f.Seek(st.Size()-window, io.SeekStart)
	}
	t := newTail(tailLines)
	_, _ = io.Copy(t, io.LimitReader(f, window))
	return t.String()
}

// inheritedEnv is the part of the server's environment a command gets.
func inheritedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "XDG_RUNTIME_DIR",
			"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG":
			env = append(env, kv)
		}
	}
	return env
}

// launch runs START_COMMAND for the row's runner, in a process group of its
// own so that all it starts can be signalled together.
func (p *Provisioner) launch(pl *pool, row *pool_model.Runner, encoded string) error {
	out, err := os.CreateTemp("", "runnerhub-pool-*.log")
	if err != nil {
		return err
	}
	defer out.Close() // the command has its own copy
	cmd := exec.Command("/bin/sh", "-c", pl.StartCommand)
	cmd.Env = p.env(pl, row, encoded)
	cmd.Stdout, cmd.Stderr = out, out
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		_ = os.Remove(out.Name())
		return err
	}
	pr := &proc{cmd: cmd, outPath: out.Name(), done: make(chan struct{})}
	p.mu.Lock()
	p.procs[row.ID] = pr
	p.mu.Unlock()
	p.emit(Event{Kind: EventStarted, Pool: pl.Name, RunnerID: row.RunnerID, JobID: row.JobID, At: time.Now()})
	go func() {
		err := cmd.Wait()
		pr.mu.Lock()
		pr.err = err
		pr.mu.Unlock()
		close(pr.done)
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}()
	return nil
}

func (p *Provisioner) proc(rowID int64) *proc {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.procs[rowID]
}

// runnerGone notes that the row's runner is gone: its command has
// exitGrace to end by itself.
func (p *Provisioner) runnerGone(rowID int64) {
	if pr := p.proc(rowID); pr != nil {
		pr.mu.Lock()
		if pr.goneAt.IsZero() {
			pr.goneAt = time.Now()
		}
		pr.mu.Unlock()
	}
}

// kill ends the row's command and everything it started: SIGTERM to its
// process group, SIGKILL after killGrace. It returns at once.
func (p *Provisioner) kill(rowID int64) {
	pr := p.proc(rowID)
	p.runnerGone(rowID)
	if pr == nil || pr.exited() {
		return
	}
	pr.mu.Lock()
	if pr.killing {
		pr.mu.Unlock()
		return
	}
	pr.killing = true
	pr.mu.Unlock()
	signalGroup(pr.cmd, false)
	go func() {
		select {
		case <-pr.done:
		case <-time.After(killGrace):
			signalGroup(pr.cmd, true)
		}
	}()
}

// reapProcs forgets the commands that exited after their runner went, and
// kills those that outstay exitGrace.
func (p *Provisioner) reapProcs() {
	p.mu.Lock()
	var overdue []int64
	for id, pr := range p.procs {
		pr.mu.Lock()
		gone := pr.goneAt
		pr.mu.Unlock()
		if st, err := os.Stat(pr.outPath); err == nil && st.Size() > maxOutputBytes {
			_ = os.Truncate(pr.outPath, 0) // the command appends: it carries on at the start
		}
		switch {
		case gone.IsZero():
		case pr.exited():
			delete(p.procs, id)
			_ = os.Remove(pr.outPath)
		case time.Since(gone) > exitGrace:
			overdue = append(overdue, id)
		}
	}
	p.mu.Unlock()
	for _, id := range overdue {
		p.kill(id)
	}
}

// runStop runs STOP_COMMAND for a runner being stopped, in the background
// and for at most stopTimeout; its failure is logged, the runner being
// removed already.
func (p *Provisioner) runStop(ctx context.Context, pl *pool, row *pool_model.Runner) {
	p.stops.Add(1)
	go func() {
		defer p.stops.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", pl.StopCommand)
		cmd.Env = p.env(pl, row, "")
		out := newTail(tailLines)
		cmd.Stdout, cmd.Stderr = out, out
		cmd.WaitDelay = killGrace
		ownProcessGroup(cmd)
		cmd.Cancel = func() error { signalGroup(cmd, true); return nil }
		if err := cmd.Run(); err != nil {
			slog.WarnContext(ctx, "provisioner: STOP_COMMAND failed", "pool", pl.Name, "runner", row.RunnerName, "err", err, "output", out.String())
		}
	}()
}
