package provisioner

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	pool_model "code.runnerhub.dev/runnerhub/models/pool"
)

// renew tells the other processes that this one still holds its rows.
func (p *Provisioner) renew(ctx context.Context) error {
	return pool_model.Renew(ctx, p.holder, time.Now().Unix())
}

// reconcile is one pass over a pool: it settles each runner's row with
// what its runner and start command did, then starts runners for the
// waiting jobs no runner stands for, keeps MIN_IDLE warm and stops the
// idle extras.
func (p *Provisioner) reconcile(ctx context.Context, pl *pool) error {
	rows, err := pool_model.FindLive(ctx, pl.Name)
	if err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.RunnerID
	}
	runners, err := p.deps.Actions.RunnersByID(ctx, ids)
	if err != nil {
		return err
	}
	live := rows[:0]
	for _, row := range rows {
		keep, err := p.settle(ctx, pl, row, runners[row.RunnerID])
		if err != nil {
			return err
		}
		if keep {
			live = append(live, row)
		}
	}
	return p.scale(ctx, pl, live)
}

// settle brings one row up to date and reports whether it still counts
// against the pool. Any process may record what a runner did; only the
// row's holder acts on its start command.
func (p *Provisioner) settle(ctx context.Context, pl *pool, row *pool_model.Runner, r *actions_model.Runner) (bool, error) {
	now := time.Now()
	if row.Holder != p.holder && (row.Holder == "" && row.State != pool_model.StateBusy || row.Holder != "" && row.Renewed < now.Add(-leaseTTL).Unix()) {
		// Its holder stopped (or let go of a runner that has no job): take it over.
		ok, err := pool_model.TakeOver(ctx, row.ID, row.Holder, row.Renewed, p.holder, now.Unix())
		if err != nil || !ok {
			return true, err
		}
		slog.InfoContext(ctx, "provisioner: took over a pool runner", "pool", pl.Name, "runner", row.RunnerName, "from", row.Holder, "state", row.State)
		row.Holder = p.holder
	}
	mine := row.Holder == p.holder
	pr := p.proc(row.ID)
	if r != nil && (r.TaskCount > 0 || r.LastOnline > 0) && row.State == pool_model.StateStarting && mine && pr != nil {
		p.started(pl, row, now) // seen now, maybe only after it ran its job already
	}
	if r == nil || r.IsDeleted() {
		// Retired after its job, or removed by someone: the slot is free.
		p.runnerGone(row.ID)
		_, err := pool_model.Delete(ctx, row.ID)
		return false, err
	}
	busy := r.TaskCount > 0
	switch {
	case busy && row.State != pool_model.StateBusy:
		// Its job taken, it stands neither for the job it was started for
		// nor for warmth: both claims are free for another runner.
		if _, err := pool_model.Advance(ctx, row.ID, row.State, pool_model.StateBusy, pool_model.TakenClaim(row.ID), now.UnixMilli()); err != nil {
			return true, err
		}
		row.State = pool_model.StateBusy
	case r.LastOnline > 0 && row.State == pool_model.StateStarting:
		if _, err := pool_model.Advance(ctx, row.ID, row.State, pool_model.StateIdle, row.Claim, now.UnixMilli()); err != nil {
			return true, err
		}
		row.State = pool_model.StateIdle
	}
	if !mine {
		return true, nil
	}
	switch row.State {
	case pool_model.StateStarting:
		switch {
		case pr == nil:
			// Taken over from a process that stopped: its command went with it.
			return p.fail(ctx, pl, row, OutcomeAbandoned, "the server process that started it stopped", "")
		case pr.failed():
			return p.fail(ctx, pl, row, OutcomeExit, "START_COMMAND "+pr.result(), pr.output())
		case now.Sub(time.UnixMilli(row.Started)) > pl.StartTimeout:
			p.kill(row.ID)
			out := pr.output()
			return p.fail(ctx, pl, row, OutcomeTimeout, fmt.Sprintf("the runner did not get in touch within START_TIMEOUT (%s)", pl.StartTimeout), out)
		}
	case pool_model.StateIdle:
		silent := now.Unix()-r.LastOnline > int64(idleSilence/time.Second)
		if (pr != nil && pr.failed()) || silent {
			// Its command died, or it fell silent: a runner nobody runs.
			return p.retire(ctx, pl, row, "its start command ended or it fell silent")
		}
	}
	return true, nil
}

// started records a start that worked: its runner got in touch.
func (p *Provisioner) started(pl *pool, row *pool_model.Runner, now time.Time) {
	pl.failures, pl.notBefore = 0, time.Time{}
	p.m.countStart(pl.Name, OutcomeStarted)
	p.m.observeStart(pl.Name, now.Sub(time.UnixMilli(row.Started)))
	p.emit(Event{Kind: EventReady, Pool: pl.Name, RunnerID: row.RunnerID, JobID: row.JobID, At: now})
}

// fail ends a start that failed: the runner is removed unless it took a
// job meanwhile (then it was no failure), the row kept as the record of
// the failure, and the pool backs off.
func (p *Provisioner) fail(ctx context.Context, pl *pool, row *pool_model.Runner, outcome, why, output string) (bool, error) {
	p.kill(row.ID)
	removed, err := p.deps.Actions.RemoveUnusedRunner(ctx, row.RunnerID, "pool "+pl.Name+": start failed: "+why)
	if err != nil || !removed {
		return true, err // it took a job, or is gone: the next pass sees which
	}
	now := time.Now()
	if _, err := pool_model.EndFailed(ctx, row.ID, outcome, why+"\n"+output, now.UnixMilli()); err != nil {
		return false, err
	}
	if err := pool_model.PruneFailed(ctx, pl.Name, failuresKept); err != nil {
		return false, err
	}
	pl.backOff(now)
	p.m.countStart(pl.Name, outcome)
	slog.WarnContext(ctx, "provisioner: start failed", "pool", pl.Name, "runner", row.RunnerName, "outcome", outcome, "why", why, "retry_after", pl.notBefore.Sub(now).Round(time.Millisecond))
	p.emit(Event{Kind: EventFailed, Pool: pl.Name, RunnerID: row.RunnerID, JobID: row.JobID, At: now, Outcome: outcome})
	return false, nil
}

// retire removes an idle runner this process holds, unless it took a job
// meanwhile, and ends it: STOP_COMMAND when set, else its start command's
// processes are signalled.
func (p *Provisioner) retire(ctx context.Context, pl *pool, row *pool_model.Runner, why string) (bool, error) {
	removed, err := p.deps.Actions.RemoveUnusedRunner(ctx, row.RunnerID, "pool "+pl.Name+": "+why)
	if err != nil || !removed {
		return true, err
	}
	if pl.StopCommand != "" {
		p.runStop(ctx, pl, row)
	} else {
		p.kill(row.ID)
	}
	if _, err := pool_model.Delete(ctx, row.ID); err != nil {
		return false, err
	}
	p.emit(Event{Kind: EventStopped, Pool: pl.Name, RunnerID: row.RunnerID, JobID: row.JobID, At: time.Now()})
	return false, nil
}

// scale compares the pool's runners with the waiting jobs it can serve.
// A runner that has not taken a job stands for the job it was started for
// while that job waits; the others ("free") will take any waiting job, so
// only the jobs beyond them need new runners. Runners are started for the
// oldest such jobs, keyed by the job, so no two processes start one for
// the same job.
func (p *Provisioner) scale(ctx context.Context, pl *pool, live []*pool_model.Runner) error {
	jobs, err := p.deps.Actions.WaitingJobsFor(ctx, pl.servable, pl.MaxRunners+len(live))
	if err != nil {
		return err
	}
	waiting := make(map[int64]bool, len(jobs))
	for _, j := range jobs {
		waiting[j] = true
	}
	covered := map[int64]bool{}
	claims := map[string]bool{}
	var free []*pool_model.Runner
	for _, row := range live {
		claims[row.Claim] = true
		if row.State == pool_model.StateBusy {
			continue
		}
		if row.JobID != 0 && waiting[row.JobID] && row.Claim == pool_model.JobClaim(row.JobID) {
			covered[row.JobID] = true
		} else {
			free = append(free, row)
		}
	}
	var uncovered []int64
	for _, j := range jobs {
		if !covered[j] {
			uncovered = append(uncovered, j)
		}
	}
	spare := len(free) - len(uncovered) // free runners left once each uncovered job took one
	for _, j := range uncovered[min(len(free), len(uncovered)):] {
		row, res, err := p.start(ctx, pl, live, pool_model.JobClaim(j), j)
		if err != nil || res == cannotStart {
			return err
		}
		if res == startedOne {
			live = append(live, row) // counts against MAX_RUNNERS from now on
		}
	}
	warm := max(spare, 0)
	for n := 0; n < pl.MinIdle && warm < pl.MinIdle; n++ {
		if claims[pool_model.WarmClaim(pl.Name, n)] {
			continue
		}
		row, res, err := p.start(ctx, pl, live, pool_model.WarmClaim(pl.Name, n), 0)
		if err != nil || res == cannotStart {
			return err
		}
		if res == startedOne {
			live = append(live, row)
		}
		warm++ // started here, or by another process that holds the claim
	}
	if extra := spare - pl.MinIdle; extra > 0 {
		return p.stopExtras(ctx, pl, free, extra)
	}
	return nil
}

// stopExtras retires up to n of the free runners this process holds:
// idle ones before starting ones, and those not kept warm first.
func (p *Provisioner) stopExtras(ctx context.Context, pl *pool, free []*pool_model.Runner, n int) error {
	rank := func(r *pool_model.Runner) int {
		k := 0
		if r.State == pool_model.StateStarting {
			k += 2
		}
		for i := 0; i < pl.MinIdle; i++ {
			if r.Claim == pool_model.WarmClaim(pl.Name, i) {
				k++
			}
		}
		return k
	}
	for k := 0; k <= 3 && n > 0; k++ {
		for _, r := range free {
			if n == 0 || r.Holder != p.holder || rank(r) != k {
				continue
			}
			kept, err := p.retire(ctx, pl, r, "idle runner no longer needed")
			if err != nil {
				return err
			}
			if !kept {
				n--
			}
		}
	}
	return nil
}
