// Package pool keeps the runners the built-in provisioner starts for its
// pools: which slot and job each holds, which server process runs its start
// command (and until when that holds), and the recent failed starts.
//
// Every change is a compare-and-set on the row, so that several server
// processes on one database can share the work: the unique (pool, slot)
// key bounds a pool's runners to MAX_RUNNERS, the unique claim starts at
// most one runner for a waiting job, and a holder that stops renewing its
// rows is taken over after the lease expires.
package pool

import (
	"context"
	"fmt"
	"strconv"

	"code.runnerhub.dev/runnerhub/models/db"
)

// States of a pool runner.
const (
	StateStarting = "starting" // its start command ran; the runner has not been in touch yet
	StateIdle     = "idle"     // the runner is in touch and has taken no job
	StateBusy     = "busy"     // the runner took its job
	StateFailed   = "failed"   // the start failed; the row is kept for the page
)

// Runner is one row of action_pool_runner.
type Runner struct {
	ID   int64  `xorm:"pk autoincr"`
	Pool string `xorm:"VARCHAR(64) UNIQUE(pool_slot) NOT NULL"`
	// Slot is in [0, MAX_RUNNERS) while the runner counts against its pool,
	// -ID once it ended.
	Slot int64 `xorm:"UNIQUE(pool_slot) NOT NULL"`
	// Claim is JobClaim(job) while the runner was started for a waiting job
	// and has not taken one, WarmClaim for one kept idle, TakenClaim once it
	// took a job and EndedClaim once it ended.
	Claim      string `xorm:"VARCHAR(128) UNIQUE NOT NULL"`
	JobID      int64  `xorm:"NOT NULL DEFAULT 0"` // the job it was started for; 0 for a warm one
	RunnerID   int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RunnerName string `xorm:"VARCHAR(255) NOT NULL DEFAULT ''"`
	State      string `xorm:"VARCHAR(16) NOT NULL"`
	// Holder is the server process that runs the start command and renews
	// the row; "" once it let go of a runner that took its job.
	Holder    string `xorm:"VARCHAR(64) INDEX NOT NULL DEFAULT ''"`
	Renewed   int64  `xorm:"NOT NULL DEFAULT 0"` // the holder's last renewal, unix seconds
	Started   int64  `xorm:"NOT NULL DEFAULT 0"` // when the start command ran, unix milliseconds
	Contacted int64  `xorm:"NOT NULL DEFAULT 0"` // when the runner was first seen in touch, unix milliseconds
	Ended     int64  `xorm:"NOT NULL DEFAULT 0"` // unix milliseconds
	Outcome   string `xorm:"VARCHAR(32) NOT NULL DEFAULT ''"`
	Output    string `xorm:"TEXT"` // the start command's last lines, for a failed start
}

func (Runner) TableName() string { return "action_pool_runner" }

// JobClaim is the claim of a runner started for a waiting job.
func JobClaim(jobID int64) string { return "job/" + strconv.FormatInt(jobID, 10) }

// WarmClaim is the claim of the n-th runner a pool keeps idle (n < MIN_IDLE).
func WarmClaim(pool string, n int) string { return "warm/" + pool + "/" + strconv.Itoa(n) }

// TakenClaim is the claim of a runner that took a job: it no longer stands
// for the job it was started for, nor for warmth.
func TakenClaim(id int64) string { return "taken/" + strconv.FormatInt(id, 10) }

// EndedClaim is the claim of an ended row.
func EndedClaim(id int64) string { return "ended/" + strconv.FormatInt(id, 10) }

// Insert claims r.Slot of r.Pool and r.Claim together and fills r.ID; it
// reports false, changing nothing, when another row holds either. It
// leaves an open transaction usable either way.
func Insert(ctx context.Context, r *Runner) (bool, error) {
	ok, err := db.InsertIfAbsent(ctx, "action_pool_runner",
		[]string{"pool", "slot", "claim", "job_id", "runner_id", "runner_name", "state", "holder", "renewed", "started", "contacted", "ended", "outcome", "output"},
		r.Pool, r.Slot, r.Claim, r.JobID, r.RunnerID, r.RunnerName, r.State, r.Holder, r.Renewed, r.Started, r.Contacted, r.Ended, r.Outcome, r.Output)
	if err != nil || !ok {
		return false, err
	}
	got := &Runner{}
	has, err := db.GetEngine(ctx).Where("pool = ? AND slot = ?", r.Pool, r.Slot).Get(got)
	if err != nil {
		return false, db.Wrap(err)
	}
	if !has || got.Claim != r.Claim {
		return false, fmt.Errorf("pool %s slot %d: the row just inserted is not there", r.Pool, r.Slot)
	}
	r.ID = got.ID
	return true, nil
}

// ClaimTaken reports whether a row holds claim.
func ClaimTaken(ctx context.Context, claim string) (bool, error) {
	n, err := db.GetEngine(ctx).Where("claim = ?", claim).Count(new(Runner))
	return n > 0, db.Wrap(err)
}

// SetRunner records the runner created for the row.
func SetRunner(ctx context.Context, id, runnerID int64, name string) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_pool_runner SET runner_id = ?, runner_name = ? WHERE id = ?", runnerID, name, id)
	return db.Wrap(err)
}

// FindLive returns the rows that count against their pool (of one pool,
// or of every pool when pool is ""), by slot.
func FindLive(ctx context.Context, pool string) ([]*Runner, error) {
	sess := db.GetEngine(ctx).Where("slot >= 0")
	if pool != "" {
		sess = sess.And("pool = ?", pool)
	}
	var rs []*Runner
	err := sess.Asc("pool", "slot").Find(&rs)
	return rs, db.Wrap(err)
}

// FindFailed returns the pool's newest failed starts, newest first.
func FindFailed(ctx context.Context, pool string, limit int) ([]*Runner, error) {
	var rs []*Runner
	err := db.GetEngine(ctx).Where("pool = ? AND slot < 0 AND state = ?", pool, StateFailed).
		Desc("id").Limit(limit).Find(&rs)
	return rs, db.Wrap(err)
}

// Advance moves a live row from state from to state to, with the claim it
// has in that state and, when contacted is not 0, the time the runner was
// first seen; it reports false when the row is no longer in from.
func Advance(ctx context.Context, id int64, from, to, claim string, contacted int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_pool_runner SET state = ?, claim = ?, contacted = CASE WHEN contacted = 0 THEN ? ELSE contacted END"+
			" WHERE id = ? AND state = ? AND slot >= 0", to, claim, contacted, id, from)
	return affected(res, err)
}

// Renew stamps every row holder holds as renewed now: the holder is alive.
func Renew(ctx context.Context, holder string, now int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_pool_runner SET renewed = ? WHERE holder = ? AND slot >= 0", now, holder)
	return db.Wrap(err)
}

// TakeOver makes holder the holder of a row whose holder, as read (old,
// renewed then), has not renewed it since; false when it has, or another
// took it over first.
func TakeOver(ctx context.Context, id int64, old string, renewed int64, holder string, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_pool_runner SET holder = ?, renewed = ? WHERE id = ? AND holder = ? AND renewed = ? AND slot >= 0",
		holder, now, id, old, renewed)
	return affected(res, err)
}

// Release lets go of holder's rows in state: their runners carry on
// without a holder (a runner that took its job runs it to the end).
func Release(ctx context.Context, holder, state string) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_pool_runner SET holder = '' WHERE holder = ? AND state = ? AND slot >= 0", holder, state)
	return db.Wrap(err)
}

// Delete removes a live row; false when it was removed already.
func Delete(ctx context.Context, id int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec("DELETE FROM action_pool_runner WHERE id = ? AND slot >= 0", id)
	return affected(res, err)
}

// EndFailed turns a live row into the record of a failed start, freeing
// its slot and claim; false when it was no longer live.
func EndFailed(ctx context.Context, id int64, outcome, output string, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_pool_runner SET slot = ?, claim = ?, state = ?, holder = '', outcome = ?, output = ?, ended = ? WHERE id = ? AND slot >= 0",
		-id, EndedClaim(id), StateFailed, outcome, output, now, id)
	return affected(res, err)
}

// PruneFailed keeps the pool's keep newest failed starts and removes the rest.
func PruneFailed(ctx context.Context, pool string, keep int) error {
	var ids []int64
	if err := db.GetEngine(ctx).Table("action_pool_runner").Cols("id").Where("pool = ? AND slot < 0", pool).
		Desc("id").Limit(1, keep).Find(&ids); err != nil || len(ids) == 0 {
		return db.Wrap(err)
	}
	_, err := db.GetEngine(ctx).Exec("DELETE FROM action_pool_runner WHERE pool = ? AND slot < 0 AND id <= ?", pool, ids[0])
	return db.Wrap(err)
}

// StateCount is how many live runners a pool has in one state.
type StateCount struct {
	Pool  string
	State string
	Count int64
}

// CountLive counts the live runners by pool and state.
func CountLive(ctx context.Context) ([]StateCount, error) {
	var out []StateCount
	err := db.GetEngine(ctx).SQL("SELECT pool, state, COUNT(*) AS count FROM action_pool_runner WHERE slot >= 0 GROUP BY pool, state ORDER BY pool, state").Find(&out)
	return out, db.Wrap(err)
}

func affected(res interface{ RowsAffected() (int64, error) }, err error) (bool, error) {
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}
