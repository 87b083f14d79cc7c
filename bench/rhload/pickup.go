package rhload

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
)

// runPickup measures how long a job queued while runners idle waits until a
// polling runner has it. Runners poll as act_runner does; jobs are queued one
// at a time, QueueEvery apart, through the service (in this process: the
// server's own; with -server-bin or -url: another process's, so the wake-up
// has to cross processes).
func runPickup(ctx context.Context, cfg *Config, t *Target, out io.Writer) error {
	c := newClient(newHTTPClient(16), t.URL)
	runners, err := register(ctx, c, t.RegToken, cfg.Runners, cfg.LabelSets, 16)
	if err != nil {
		return err
	}
	q, err := newQueue(t)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pickup: %d runners over %d label sets polling like act_runner (fetch_timeout %s, fetch_interval %s), %s, %d jobs queued %s apart; server: %s\n",
		len(runners), cfg.LabelSets, cfg.FetchTimeout, cfg.FetchInterval, connections(cfg), cfg.Jobs, cfg.QueueEvery, t.Where)

	var mu sync.Mutex
	queuedAt := map[string]time.Time{}
	var waits []time.Duration
	got := make(chan struct{}, cfg.Jobs)
	onTask := func(c runnerv1connect.RunnerServiceClient, r *Runner, rec *Recorder) func(*runnerv1.Task) error {
		return func(task *runnerv1.Task) error {
			at := time.Now()
			runID := task.GetContext().GetFields()["run_id"].GetStringValue()
			mu.Lock()
			waits = append(waits, at.Sub(queuedAt[runID]))
			mu.Unlock()
			got <- struct{}{}
			return finishTask(ctx, c, r, task.Id, rec)
		}
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	clients := runnerClients(t.URL, len(runners), cfg.OwnConnections)
	recs := make([]*Recorder, len(runners))
	errs := make(chan error, len(runners))
	var wg sync.WaitGroup
	for i, r := range runners {
		recs[i] = NewRecorder()
		wg.Go(func() {
			if err := pollLikeActRunner(pctx, clients[i], r, cfg, recs[i], onTask(clients[i], r, recs[i])); err != nil {
				errs <- err
				stop()
			}
		})
	}
	sleep(ctx, 2*cfg.FetchTimeout) // every runner is idle and has seen the current version
	cpu, err := readCPU(t.PID)
	if err != nil {
		return err
	}
	start := time.Now()
	for i := range cfg.Jobs {
		mu.Lock() // taken before the job exists, so the runner's record finds the time
		at := time.Now()
		runID, err := q.AddOne(labelsOf(i, cfg.LabelSets))
		if err == nil {
			queuedAt[strconv.FormatInt(runID, 10)] = at
		}
		mu.Unlock()
		if err != nil {
			return err
		}
		sleep(ctx, cfg.QueueEvery)
	}
	for range cfg.Jobs {
		select {
		case <-got:
		case err := <-errs:
			return err
		case <-time.After(stallAfter):
			return fmt.Errorf("a queued job was not picked up within %s", stallAfter)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	elapsed := time.Since(start)
	cpuEnd, err := readCPU(t.PID)
	if err != nil {
		return err
	}
	stop()
	wg.Wait()
	all := NewRecorder()
	for _, r := range recs {
		all.Merge(r)
	}
	all.Print(out, "runnerhub", elapsed)
	if t.PID != os.Getpid() {
		fmt.Fprintf(out, "server cpu while jobs were queued: %.0f%% of a core\n", 100*(cpuEnd-cpu).Seconds()/elapsed.Seconds())
	}
	slices.Sort(waits)
	fmt.Fprintf(out, "pickup latency (queued → task in the runner's hands) over %d jobs: p50=%s p90=%s p99=%s max=%s\n",
		len(waits), round(quantile(waits, 0.5)), round(quantile(waits, 0.9)), round(quantile(waits, 0.99)), round(waits[len(waits)-1]))
	return nil
}
