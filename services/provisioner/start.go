package provisioner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// startResult says what a start attempt came to.
type startResult int

const (
	startedOne  startResult = iota // a runner was made and its command runs
	claimHeld                      // another row holds the claim: nothing to do for it
	cannotStart                    // the pool is full or backing off: no more starts this pass
)

var (
	errSlotHeld  = errors.New("the slot is held")
	errClaimHeld = errors.New("the claim is held")
)

// start claims a free slot of the pool and the claim (a waiting job's, or
// a warm runner's) in one compare-and-set insert, makes the JIT runner in
// the same transaction, and runs START_COMMAND with its config.
func (p *Provisioner) start(ctx context.Context, pl *pool, live []*pool_model.Runner, claim string, jobID int64) (*pool_model.Runner, startResult, error) {
	if time.Now().Before(pl.notBefore) {
		return nil, cannotStart, nil
	}
	used := make(map[int64]bool, len(live))
	for _, r := range live {
		used[r.Slot] = true
	}
	for slot := int64(0); slot < int64(pl.MaxRunners); slot++ {
		if used[slot] {
			continue
		}
		row, encoded, err := p.claim(ctx, pl, slot, claim, jobID)
		switch {
		case errors.Is(err, errSlotHeld):
			continue // another process took it since the rows were read
		case errors.Is(err, errClaimHeld):
			return nil, claimHeld, nil
		case err != nil:
			// The runner could not be made (its group was removed, say):
			// a failed start like any other, with the same backoff.
			p.m.countStart(pl.Name, OutcomeError)
			pl.backOff(time.Now())
			p.emit(Event{Kind: EventFailed, Pool: pl.Name, JobID: jobID, At: time.Now(), Outcome: OutcomeError})
			return nil, cannotStart, fmt.Errorf("make a JIT runner: %w", err)
		}
		if err := p.launch(pl, row, encoded); err != nil {
			_, ferr := p.fail(ctx, pl, row, OutcomeError, "START_COMMAND could not be run: "+err.Error(), "")
			return nil, cannotStart, ferr
		}
		return row, startedOne, nil
	}
	return nil, cannotStart, nil
}

// claim inserts the row and makes its runner in one transaction, so that
// no runner exists without its row nor a row without its runner.
func (p *Provisioner) claim(ctx context.Context, pl *pool, slot int64, claim string, jobID int64) (*pool_model.Runner, string, error) {
	var row *pool_model.Runner
	var encoded string
	err := db.WithTx(ctx, func(ctx context.Context) error {
		now := time.Now()
		row = &pool_model.Runner{Pool: pl.Name, Slot: slot, Claim: claim, JobID: jobID, State: pool_model.StateStarting,
			Holder: p.holder, Renewed: now.Unix(), Started: now.UnixMilli()}
		ok, err := pool_model.Insert(ctx, row)
		if err != nil {
			return err
		}
		if !ok {
			if held, err := pool_model.ClaimTaken(ctx, claim); err != nil || held {
				return errors.Join(err, errClaimHeld)
			}
			return errSlotHeld
		}
		row.RunnerName = pl.Name + "-" + strconv.FormatInt(row.ID, 10)
		cfg, err := p.deps.Actions.GenerateJITConfigAsServer(ctx, pl.scope, actions_service.JITConfigRequest{
			Name: row.RunnerName, RunnerGroupID: pl.groupID, Labels: pl.Labels,
		})
		if err != nil {
			return err
		}
		row.RunnerID, encoded = cfg.Runner.ID, cfg.EncodedConfig
		return pool_model.SetRunner(ctx, row.ID, row.RunnerID, row.RunnerName)
	})
	return row, encoded, err
}

// env is what a pool's commands are given: the runner's identity, and
// from the server's own environment only what finds programs and their
// files. The rest of it (the database password, the secret key) stays out.
func (p *Provisioner) env(pl *pool, row *pool_model.Runner, encoded string) []string {
	env := inheritedEnv()
	env = append(env,
		"RUNNERHUB_POOL="+pl.Name,
		"RUNNERHUB_RUNNER_NAME="+row.RunnerName,
		"RUNNERHUB_RUNNER_ID="+strconv.FormatInt(row.RunnerID, 10),
		"RUNNERHUB_LABELS="+strings.Join(pl.Labels, ","),
		"RUNNERHUB_INSTANCE_URL="+strings.TrimSuffix(p.deps.RootURL, "/"),
	)
	if encoded != "" {
		env = append(env, "RUNNERHUB_JIT_CONFIG="+encoded)
	}
	return env
}
