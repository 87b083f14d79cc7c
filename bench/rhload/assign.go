package rhload

import (
	"context"
	"fmt"
	"io"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
)

// runAssign times FetchTask calls that assign a job, one at a time, first
// with a short queue and then with a long one over the same label sets. Each
// assigned job is replaced by a new one in its set, so the queue keeps its
// length while it is measured. With -scope owner or repo, the runners serve
// one owner or repository, which keeps the short queue's jobs, and the long
// queue's other jobs belong to another owner: the runners must find theirs
// among them.
func runAssign(ctx context.Context, cfg *Config, t *Target, out io.Writer) error {
	if cfg.Scope == "group" {
		return runAssignGroups(ctx, cfg, t, out)
	}
	c := newClient(newHTTPClient(4), t.URL)
	q, err := newQueue(t)
	if err != nil {
		return err
	}
	others, regToken := q, t.RegToken
	if cfg.Scope != "instance" {
		if others, err = newQueue(t); err != nil {
			return err
		}
		if regToken, err = q.registrationToken(cfg.Scope); err != nil {
			return err
		}
	}
	runners, err := register(ctx, c, regToken, cfg.LabelSets, cfg.LabelSets, 4)
	if err != nil {
		return err
	}
	// Measure with the runners of the sets the short queue has jobs in, in
	// both queues, so only the queue's length differs.
	used := min(cfg.Small, cfg.LabelSets)
	fmt.Fprintf(out, "assignment: %d label sets, %s runners, %d assignments per queue length, server: %s\n", cfg.LabelSets, cfg.Scope, cfg.Jobs, t.Where)
	var p50 []time.Duration
	if err := q.Add(ctx, cfg.Small, inSets(cfg.LabelSets)); err != nil {
		return err
	}
	for _, size := range []int{cfg.Small, cfg.Large} {
		start := time.Now()
		if size > cfg.Small {
			if err := others.Add(ctx, size-cfg.Small, func(i int) []string { return labelsOf(cfg.Small+i, cfg.LabelSets) }); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "queued %d waiting jobs in %s\n", size, time.Since(start).Round(time.Millisecond))
		rec := NewRecorder()
		for i := range cfg.Jobs {
			r := runners[i%used]
			if err := assignOnce(ctx, c, q, r, rec); err != nil {
				return err
			}
		}
		rec.Print(out, fmt.Sprintf("wait=%d", size), 0)
		p50 = append(p50, rec.Stats("FetchTask", 0).P50)
	}
	fmt.Fprintf(out, "p50 with %d waiting / p50 with %d waiting: %.2fx\n", cfg.Large, cfg.Small, float64(p50[1])/float64(p50[0]))
	return nil
}

// assignOnce times one FetchTask that must assign a job, then ends the task
// and queues a job in the runner's set to keep the queue's length.
func assignOnce(ctx context.Context, c runnerv1connect.RunnerServiceClient, q *Queue, r *Runner, rec *Recorder) error {
	t0 := time.Now()
	res, err := c.FetchTask(ctx, request(r, &runnerv1.FetchTaskRequest{}))
	rec.Observe("FetchTask", time.Since(t0), err)
	if err != nil {
		return err
	}
	task := res.Msg.Task
	if task == nil {
		return fmt.Errorf("runner with labels %v was given no task", r.Labels)
	}
	if err := finishTask(ctx, c, r, task.Id, NewRecorder()); err != nil {
		return err
	}
	return q.Add(ctx, 1, func(int) []string { return r.Labels })
}
