package migrations

import "xorm.io/xorm"

// v0007ActionRunJob keeps a job's `if:` expression, so a job written with
// `if: always()` (or failure()/cancelled()) still runs after a need failed.
type v0007ActionRunJob struct {
	IfCondition string `xorm:"TEXT"`
}

func (v0007ActionRunJob) TableName() string { return "action_run_job" }

func v0007AddRunJobIfCondition(x *xorm.Engine) error {
	return addColumns(x, new(v0007ActionRunJob))
}
