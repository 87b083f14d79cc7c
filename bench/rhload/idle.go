package rhload

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
)

// runIdle measures FetchTask when nothing new is there for anyone: every
// runner sends the tasks_version it was last given. With -floor the same
// load runs first against the floor server, and the ratio is printed.
func runIdle(ctx context.Context, cfg *Config, t *Target, out io.Writer) error {
	hc := newHTTPClient(cfg.Concurrency)
	c := newClient(hc, t.URL)
	runners, err := register(ctx, c, t.RegToken, cfg.Runners, cfg.LabelSets, cfg.Concurrency)
	if err != nil {
		return err
	}
	q, err := newQueue(t)
	if err != nil {
		return err
	}
	// Jobs nobody can run give the scope a version above zero, as on a live server.
	if err := q.Add(ctx, 10, unmatched); err != nil {
		return err
	}
	for _, r := range runners {
		res, err := c.FetchTask(ctx, request(r, &runnerv1.FetchTaskRequest{}))
		if err != nil {
			return fmt.Errorf("first poll: %w", err)
		}
		if res.Msg.Task != nil {
			return fmt.Errorf("runner %s was given a task it cannot run", r.UUID)
		}
		r.TasksVersion = res.Msg.TasksVersion
	}
	pace := "as fast as answered"
	if cfg.Rate > 0 {
		pace = fmt.Sprintf("at most %d calls/s", cfg.Rate)
	}
	fmt.Fprintf(out, "idle poll: %d runners, %d connections, %s, %s per target in 5 alternating rounds; server: %s\n", len(runners), cfg.Concurrency, pace, cfg.Duration, t.Where)

	// Floor and server take turns in short rounds, so that whatever else the
	// machine does weighs on both alike.
	var floor *idleTarget
	if cfg.Floor {
		url, stop, err := startFloor()
		if err != nil {
			return err
		}
		defer stop()
		floor = &idleTarget{name: "floor", c: newClient(newHTTPClient(cfg.Concurrency), url), rec: NewRecorder()}
	}
	server := &idleTarget{name: "runnerhub", c: c, rec: NewRecorder()}
	targets := []*idleTarget{server}
	if floor != nil {
		targets = []*idleTarget{floor, server}
	}
	for _, t := range targets {
		pollIdle(ctx, t.c, runners, cfg.Concurrency, 0, time.Second) // warm up connections and caches
	}
	const rounds = 5
	for range rounds {
		for _, t := range targets {
			rec, elapsed, given := pollIdle(ctx, t.c, runners, cfg.Concurrency, cfg.Rate, cfg.Duration/rounds)
			t.rec.Merge(rec)
			t.elapsed += elapsed
			if given > 0 {
				return fmt.Errorf("%s: %d idle polls were given a task", t.name, given)
			}
		}
	}
	for _, t := range targets {
		t.rec.Print(out, t.name, t.elapsed)
	}
	if floor != nil {
		ratio := server.rec.Stats("FetchTask", server.elapsed).PerSecond / floor.rec.Stats("FetchTask", floor.elapsed).PerSecond
		fmt.Fprintf(out, "runnerhub/floor throughput: %.0f%%\n", 100*ratio)
	}
	return nil
}

// idleTarget is one server the idle load takes turns on.
type idleTarget struct {
	name    string
	c       runnerv1connect.RunnerServiceClient
	rec     *Recorder
	elapsed time.Duration
}

// pollIdle has conc workers poll the runners round-robin for d, together at
// most rate calls a second (0: as fast as the server answers), and reports
// how many polls were given a task.
func pollIdle(ctx context.Context, c runnerv1connect.RunnerServiceClient, runners []*Runner, conc, rate int, d time.Duration) (*Recorder, time.Duration, int64) {
	var next, given atomic.Int64
	recs := make([]*Recorder, conc)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conc {
		recs[w] = NewRecorder()
		wg.Go(func() {
			var every time.Duration
			if rate > 0 {
				every = time.Duration(float64(conc) / float64(rate) * float64(time.Second))
			}
			due := start.Add(every * time.Duration(w) / time.Duration(conc)) // spread the workers out
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if every > 0 {
					sleep(ctx, time.Until(due))
					due = due.Add(every)
				}
				r := runners[int(next.Add(1)-1)%len(runners)]
				t0 := time.Now()
				res, err := c.FetchTask(ctx, request(r, &runnerv1.FetchTaskRequest{TasksVersion: r.TasksVersion}))
				recs[w].Observe("FetchTask", time.Since(t0), err)
				if err == nil && res.Msg.Task != nil {
					given.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := NewRecorder()
	for _, r := range recs {
		all.Merge(r)
	}
	return all, elapsed, given.Load()
}
