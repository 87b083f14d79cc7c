package migrations

import "xorm.io/xorm"

// v0012ActionRunJob records when a job last became waiting, which is where
// its wait for a runner starts: for the wait-time metric and the
// maintenance loop's age of a waiting job.
type v0012ActionRunJob struct {
	Queued int64 `xorm:"NOT NULL DEFAULT 0"`
}

func (v0012ActionRunJob) TableName() string { return "action_run_job" }

func v0012AddRunJobQueued(x *xorm.Engine) error {
	if err := addColumns(x, new(v0012ActionRunJob)); err != nil {
		return err
	}
	// A job waiting now was last written when it became waiting.
	_, err := x.Exec("UPDATE action_run_job SET queued = updated WHERE status = ?", 5)
	return err
}
