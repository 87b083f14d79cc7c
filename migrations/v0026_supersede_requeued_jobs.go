package migrations

import (
	"fmt"

	"xorm.io/xorm"
)

// v0026ActionRunJob links a job row to the row it replaces when a stale
// task's job is given back to the queue. The given-back job becomes a new
// row (a new job id, as GitHub shows a lost runner), and the old row ends
// with its task, so a consumer never sees a job id's status go backwards.
// A row that is a retry is not retried again: a job gets one more runner
// per attempt, as before.
type v0026ActionRunJob struct {
	RetryOf int64 `xorm:"NOT NULL DEFAULT 0"`
}

func (v0026ActionRunJob) TableName() string { return "action_run_job" }

// v0026SupersedeRequeuedJobs adds the link, and indexes the webhook outbox
// by (status, hook_id, id): the delivery workers find the webhooks with
// pending deliveries by skipping along it, one seek per webhook, and take
// each webhook's oldest pending deliveries with another seek, so picking
// stays cheap however many deliveries wait behind a dead receiver.
func v0026SupersedeRequeuedJobs(x *xorm.Engine) error {
	if err := addColumns(x, new(v0026ActionRunJob)); err != nil {
		return err
	}
	if _, err := x.Exec("CREATE INDEX idx_action_hook_task_pending_hook ON action_hook_task (status, hook_id, id)"); err != nil {
		return fmt.Errorf("create pending_hook index: %w", err)
	}
	return nil
}
