package provisioner

import (
	"context"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// PoolView is a pool as its page shows it.
type PoolView struct {
	options.Pool
	Scope   identity.Scope
	Runners []RunnerView
	// Failed are the newest failed starts, newest first, each with the
	// start command's last output lines.
	Failed []*pool_model.Runner
}

// RunnerView is one of a pool's runners.
type RunnerView struct {
	*pool_model.Runner
	// Job is the job it runs, nil until it took one; For the waiting job
	// it was started for, nil for a warm runner or once it took one.
	Job, For *actions_model.RunJob
}

// Pools returns the pools whose scope lies in sc (every pool for the
// instance), with their runners and recent failed starts.
func (p *Provisioner) Pools(ctx context.Context, sc identity.Scope) ([]PoolView, error) {
	var out []PoolView
	if p == nil {
		return nil, nil
	}
	for _, pl := range p.pools {
		if !sc.Contains(pl.scope.OwnerID(), pl.scope.RepoID()) {
			continue
		}
		v := PoolView{Pool: pl.Pool, Scope: pl.scope}
		rows, err := pool_model.FindLive(ctx, pl.Name)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(rows))
		jobIDs := make([]int64, 0, 2*len(rows))
		for i, r := range rows {
			ids[i] = r.RunnerID
			if r.JobID != 0 {
				jobIDs = append(jobIDs, r.JobID)
			}
		}
		tasks, err := actions_model.FindRunningTasksOfRunners(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, t := range tasks {
			jobIDs = append(jobIDs, t.JobID)
		}
		jobs, err := actions_model.GetRunJobsByIDs(ctx, jobIDs)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			rv := RunnerView{Runner: r}
			if t := tasks[r.RunnerID]; t != nil {
				rv.Job = jobs[t.JobID]
			} else if r.State != pool_model.StateBusy && r.JobID != 0 {
				rv.For = jobs[r.JobID]
			}
			v.Runners = append(v.Runners, rv)
		}
		if v.Failed, err = pool_model.FindFailed(ctx, pl.Name, failuresKept); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Configured reports whether any pool is configured.
func (p *Provisioner) Configured() bool { return p != nil && len(p.pools) > 0 }
