package migrations

import (
	"fmt"

	"xorm.io/xorm"
)

// v0018ActionQueueSample is the queue as the sampler saw it at one moment
// (Bucket, a multiple of the sampling interval) in one repository, or in
// the whole instance when OwnerID and RepoID are 0: how many jobs waited,
// how long the oldest had, and the jobs runners picked up since the bucket
// before, with how long they had waited. The unique key makes a bucket's
// row written once, whichever process samples first.
type v0018ActionQueueSample struct {
	ID         int64 `xorm:"pk autoincr"`
	Bucket     int64 `xorm:"UNIQUE(bucket_scope) NOT NULL"`
	OwnerID    int64 `xorm:"UNIQUE(bucket_scope) NOT NULL DEFAULT 0"`
	RepoID     int64 `xorm:"UNIQUE(bucket_scope) NOT NULL DEFAULT 0"`
	Waiting    int64 `xorm:"NOT NULL DEFAULT 0"`
	OldestWait int64 `xorm:"NOT NULL DEFAULT 0"` // seconds
	Picked     int64 `xorm:"NOT NULL DEFAULT 0"`
	WaitSum    int64 `xorm:"NOT NULL DEFAULT 0"` // seconds, over the jobs picked
	WaitMax    int64 `xorm:"NOT NULL DEFAULT 0"` // seconds
}

func (v0018ActionQueueSample) TableName() string { return "action_queue_sample" }

// v0018CreateQueueSample adds the samples, and an index of jobs by the
// time a runner picked them up, so that a sample reads only the jobs picked
// since the last one.
func v0018CreateQueueSample(x *xorm.Engine) error {
	if err := x.Sync(new(v0018ActionQueueSample)); err != nil {
		return err
	}
	if _, err := x.Exec("CREATE INDEX idx_action_run_job_started ON action_run_job (started)"); err != nil {
		return fmt.Errorf("create index of jobs by start: %w", err)
	}
	return nil
}
