package migrations

import "xorm.io/xorm"

// v0009HookTask is the delivery outbox: one row per event and webhook,
// written in the transaction that changed the job, then delivered by workers.
// Times are unix milliseconds where retries need finer steps than seconds.
type v0009HookTask struct {
	ID             int64  `xorm:"pk autoincr"`
	HookID         int64  `xorm:"INDEX(hook_job) NOT NULL"`
	JobID          int64  `xorm:"INDEX(hook_job) NOT NULL DEFAULT 0"`
	DeliveryUUID   string `xorm:"VARCHAR(36) INDEX NOT NULL"`
	Event          string `xorm:"VARCHAR(64) NOT NULL"`
	Action         string `xorm:"VARCHAR(32) NOT NULL"`
	Payload        string `xorm:"LONGTEXT"`
	IsRedelivery   bool   `xorm:"NOT NULL DEFAULT false"`
	Status         int    `xorm:"INDEX(due) NOT NULL"`
	NextAttempt    int64  `xorm:"INDEX(due) NOT NULL DEFAULT 0"`
	LeaseUntil     int64  `xorm:"NOT NULL DEFAULT 0"`
	Attempts       int    `xorm:"NOT NULL DEFAULT 0"`
	RequestHeaders string `xorm:"TEXT"`
	ResponseStatus int    `xorm:"NOT NULL DEFAULT 0"`
	ResponseBody   string `xorm:"TEXT"`
	LastError      string `xorm:"TEXT"`
	DurationMS     int64  `xorm:"NOT NULL DEFAULT 0"`
	Delivered      int64  `xorm:"NOT NULL DEFAULT 0"`
	Created        int64  `xorm:"created"`
}

func (v0009HookTask) TableName() string { return "hook_task" }

func v0009CreateHookTask(x *xorm.Engine) error {
	return x.Sync(new(v0009HookTask))
}
