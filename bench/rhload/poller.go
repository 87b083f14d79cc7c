package rhload

import (
	"context"
	"math/rand/v2"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
)

// pollLikeActRunner polls as act_runner's poller does: each FetchTask under
// fetch_timeout (which the client sends as the request's deadline), the
// last tasks_version sent back, fetch_interval ±20% between empty answers,
// errors retried. A task is handed to onTask and the next poll follows at once.
//
// Runners start at random points of one fetch_interval, as a fleet that has
// been running a while is out of step.
func pollLikeActRunner(ctx context.Context, c runnerv1connect.RunnerServiceClient, r *Runner, cfg *Config, rec *Recorder, onTask func(*runnerv1.Task) error) error {
	sleep(ctx, time.Duration(rand.Int64N(int64(cfg.FetchInterval))))
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, cfg.FetchTimeout)
		task, err := fetch(fctx, c, r, rec)
		cancel()
		if task != nil {
			if err := onTask(task); err != nil {
				return err
			}
			continue
		}
		if err != nil && ctx.Err() != nil {
			return nil
		}
		sleep(ctx, jitter(cfg.FetchInterval))
	}
	return nil
}

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
