package webhook

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// HookTaskStatus is where a delivery stands.
type HookTaskStatus int

const (
	HookTaskPending   HookTaskStatus = 1 // waiting for its next attempt, or being attempted
	HookTaskSucceeded HookTaskStatus = 2 // the receiver answered 2xx
	HookTaskFailed    HookTaskStatus = 3 // every attempt failed, or it was refused: given up
)

func (s HookTaskStatus) String() string {
	switch s {
	case HookTaskPending:
		return "pending"
	case HookTaskSucceeded:
		return "succeeded"
	case HookTaskFailed:
		return "failed"
	}
	return "unknown"
}

// HookTask is one event for one webhook: the outbox row written with the
// state change, and afterwards the record of its delivery. Times in
// milliseconds are unix milliseconds.
type HookTask struct {
	ID     int64 `xorm:"pk autoincr"`
	HookID int64 `xorm:"INDEX(hook_job) NOT NULL"`
	// JobID orders deliveries: a webhook gets the events of one job in the
	// order they happened.
	JobID          int64          `xorm:"INDEX(hook_job) NOT NULL DEFAULT 0"`
	DeliveryUUID   string         `xorm:"VARCHAR(36) INDEX NOT NULL"` // X-GitHub-Delivery: the same on every attempt
	Event          string         `xorm:"VARCHAR(64) NOT NULL"`
	Action         string         `xorm:"VARCHAR(32) NOT NULL"`
	Payload        string         `xorm:"LONGTEXT"`
	IsRedelivery   bool           `xorm:"NOT NULL DEFAULT false"`
	Status         HookTaskStatus `xorm:"INDEX(due) NOT NULL"`
	NextAttempt    int64          `xorm:"INDEX(due) NOT NULL DEFAULT 0"` // ms
	LeaseUntil     int64          `xorm:"NOT NULL DEFAULT 0"`            // ms; a worker owns the row until then
	Attempts       int            `xorm:"NOT NULL DEFAULT 0"`
	RequestHeaders string         `xorm:"TEXT"` // JSON object of the last attempt's headers
	ResponseStatus int            `xorm:"NOT NULL DEFAULT 0"`
	ResponseBody   string         `xorm:"TEXT"` // the start of the last answer
	LastError      string         `xorm:"TEXT"`
	DurationMS     int64          `xorm:"NOT NULL DEFAULT 0"`
	Delivered      int64          `xorm:"NOT NULL DEFAULT 0"` // unix seconds of the last attempt
	Created        int64          `xorm:"created"`
}

func (HookTask) TableName() string { return "action_hook_task" }

// CreateHookTask stores t.
func CreateHookTask(ctx context.Context, t *HookTask) error {
	_, err := db.GetEngine(ctx).Insert(t)
	return db.Wrap(err)
}

// GetHookTaskByID returns a delivery.
func GetHookTaskByID(ctx context.Context, id int64) (*HookTask, error) {
	t := &HookTask{}
	has, err := db.GetEngine(ctx).ID(id).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("delivery %d: %w", id, db.ErrNotExist)
	}
	return t, nil
}

// ClaimHookTask takes a due delivery for one attempt until leaseUntil. It
// compares the lease it read, so of several workers and processes exactly
// one wins; losing is reported as false, not as an error.
func ClaimHookTask(ctx context.Context, t *HookTask, leaseUntil int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_hook_task SET lease_until = ?, attempts = attempts + 1 WHERE id = ? AND status = ? AND lease_until = ?",
		leaseUntil, t.ID, HookTaskPending, t.LeaseUntil)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	if err != nil || n != 1 {
		return false, db.Wrap(err)
	}
	t.LeaseUntil = leaseUntil
	t.Attempts++
	return true, nil
}

// RecordHookTaskAttempt stores the outcome of the attempt the caller holds
// the lease for, and releases it. False means the lease was lost meanwhile.
func RecordHookTaskAttempt(ctx context.Context, t *HookTask, heldLease int64) (bool, error) {
	t.LeaseUntil = 0
	n, err := db.GetEngine(ctx).Where("id = ? AND lease_until = ?", t.ID, heldLease).
		Cols("status", "next_attempt", "lease_until", "request_headers", "response_status", "response_body", "last_error", "duration_ms", "delivered").
		Update(t)
	return n == 1, db.Wrap(err)
}

// FindHookTasks lists a webhook's deliveries, newest first, and counts them all.
func FindHookTasks(ctx context.Context, hookID int64, page, pageSize int) ([]*HookTask, int64, error) {
	var ts []*HookTask
	total, err := db.GetEngine(ctx).Where("hook_id = ?", hookID).Desc("id").
		Limit(pageSize, (page-1)*pageSize).FindAndCount(&ts)
	return ts, total, db.Wrap(err)
}

// FindHookTasksOfJob lists the deliveries made for a job, oldest first.
func FindHookTasksOfJob(ctx context.Context, jobID int64) ([]*HookTask, error) {
	var ts []*HookTask
	err := db.GetEngine(ctx).Where("job_id = ?", jobID).Asc("id").Find(&ts)
	return ts, db.Wrap(err)
}

// SentActionsOfJob lists, per webhook of hookIDs, the actions already
// written for the job (redeliveries left out). It seeks on (hook_id, job_id).
func SentActionsOfJob(ctx context.Context, jobID int64, hookIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(hookIDs) == 0 {
		return out, nil
	}
	var rows []*HookTask
	err := db.GetEngine(ctx).Cols("hook_id", "action").In("hook_id", hookIDs).
		And("job_id = ? AND is_redelivery = ?", jobID, false).Find(&rows)
	if err != nil {
		return nil, db.Wrap(err)
	}
	for _, r := range rows {
		out[r.HookID] = append(out[r.HookID], r.Action)
	}
	return out, nil
}
