package rhload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"

	"code.runnerhub.dev/runnerhub/models/db"
)

// stallAfter ends a run in which no job finished for this long.
const stallAfter = 30 * time.Second

// runEndToEnd queues all jobs, then has every runner loop as act_runner
// does: fetch, send the log in LogCalls calls of LogRows rows, report
// success. It checks every job ran exactly once.
func runEndToEnd(ctx context.Context, cfg *Config, t *Target, out io.Writer) error {
	c := newClient(newHTTPClient(cfg.Runners), t.URL)
	runners, err := register(ctx, c, t.RegToken, cfg.Runners, cfg.LabelSets, 16)
	if err != nil {
		return err
	}
	q, err := newQueue(t)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := q.Add(ctx, cfg.Jobs, inSets(cfg.LabelSets)); err != nil {
		return err
	}
	fmt.Fprintf(out, "end to end: %d jobs over %d label sets queued in %s; %d runners, %d UpdateLog calls of %d rows per job; server: %s\n",
		cfg.Jobs, cfg.LabelSets, time.Since(start).Round(time.Millisecond), len(runners), cfg.LogCalls, cfg.LogRows, t.Where)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var done atomic.Int64
	var mu sync.Mutex
	seen := make(map[string]int, cfg.Jobs)
	recs := make([]*Recorder, len(runners))
	start = time.Now()
	var wg sync.WaitGroup
	for i, r := range runners {
		recs[i] = NewRecorder()
		wg.Go(func() {
			for done.Load() < int64(cfg.Jobs) && ctx.Err() == nil {
				task, err := fetch(ctx, c, r, recs[i])
				if err == nil && task != nil {
					mu.Lock()
					seen[jobKey(task)]++
					mu.Unlock()
					err = runTask(ctx, c, r, task.Id, cfg, recs[i])
					done.Add(1)
				}
				if err != nil {
					cancel(err)
					return
				}
				if task == nil {
					sleep(ctx, 20*time.Millisecond)
				}
			}
		})
	}
	go watchProgress(ctx, cancel, &done)
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("after %d of %d jobs: %w", done.Load(), cfg.Jobs, err)
	}
	all := NewRecorder()
	for _, r := range recs {
		all.Merge(r)
	}
	all.Print(out, "runnerhub", elapsed)
	rows := float64(cfg.Jobs * cfg.LogCalls * cfg.LogRows)
	fmt.Fprintf(out, "%d jobs in %s: %.0f jobs/s, %.0f log rows/s\n", cfg.Jobs, elapsed.Round(time.Millisecond), float64(cfg.Jobs)/elapsed.Seconds(), rows/elapsed.Seconds())
	return checkExactlyOnce(t, seen, cfg.Jobs, out)
}

// fetch polls once as act_runner does and keeps the version it is given
// unless it got a task, after which act_runner sends 0.
func fetch(ctx context.Context, c runnerv1connect.RunnerServiceClient, r *Runner, rec *Recorder) (*runnerv1.Task, error) {
	t0 := time.Now()
	res, err := c.FetchTask(ctx, request(r, &runnerv1.FetchTaskRequest{TasksVersion: r.TasksVersion}))
	if connect.CodeOf(err) != connect.CodeCanceled { // the run is over, not the server's doing
		rec.Observe("FetchTask", time.Since(t0), err)
	}
	if err != nil {
		return nil, err
	}
	if res.Msg.TasksVersion > r.TasksVersion {
		r.TasksVersion = res.Msg.TasksVersion
	}
	if res.Msg.Task != nil {
		r.TasksVersion = 0
	}
	return res.Msg.Task, nil
}

func runTask(ctx context.Context, c runnerv1connect.RunnerServiceClient, r *Runner, taskID int64, cfg *Config, rec *Recorder) error {
	for call := range cfg.LogCalls {
		if err := appendLog(ctx, c, r, taskID, call*cfg.LogRows, cfg.LogRows, call == cfg.LogCalls-1, rec); err != nil {
			return err
		}
	}
	return finishTask(ctx, c, r, taskID, rec)
}

// watchProgress cancels the run when no job finished for stallAfter.
func watchProgress(ctx context.Context, cancel context.CancelCauseFunc, done *atomic.Int64) {
	last, lastAt := done.Load(), time.Now()
	for ctx.Err() == nil {
		sleep(ctx, time.Second)
		if n := done.Load(); n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > stallAfter {
			cancel(fmt.Errorf("no job finished for %s: runners are not given the waiting jobs", stallAfter))
		}
	}
}

// checkExactlyOnce compares what runners were given with what the database holds.
func checkExactlyOnce(t *Target, seen map[string]int, jobs int, out io.Writer) error {
	for k, n := range seen {
		if n != 1 {
			return fmt.Errorf("job %s was given %d times", k, n)
		}
	}
	if len(seen) != jobs {
		return fmt.Errorf("runners were given %d distinct jobs, want %d", len(seen), jobs)
	}
	var dup []int64
	if err := db.GetEngine(t.Ctx).SQL("SELECT job_id FROM action_task GROUP BY job_id HAVING COUNT(*) > 1").Find(&dup); err != nil {
		return err
	}
	if len(dup) > 0 {
		return fmt.Errorf("jobs with more than one task in the database: %v", dup)
	}
	fmt.Fprintf(out, "exactly once: %d jobs, each given to one runner once (checked client-side and in action_task)\n", jobs)
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
