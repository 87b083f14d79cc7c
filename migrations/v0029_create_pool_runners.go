package migrations

import "xorm.io/xorm"

// v0029ActionPoolRunner is a runner the built-in provisioner started for a
// pool ([provisioner.NAME]), from the claim of its slot to its runner's
// removal, and afterwards, when the start failed, the record of that
// failure for the Pools page.
//
// The unique keys are the provisioner's compare-and-set claims across
// server processes: (pool, slot) with 0 <= slot < MAX_RUNNERS bounds the
// pool's runners, and claim ("job/<id>" while a runner is being started
// for that waiting job) starts at most one runner per job. An ended row
// frees both: its slot becomes -id and its claim "ended/<id>".
type v0029ActionPoolRunner struct {
	ID         int64  `xorm:"pk autoincr"`
	Pool       string `xorm:"VARCHAR(64) UNIQUE(pool_slot) NOT NULL"`
	Slot       int64  `xorm:"UNIQUE(pool_slot) NOT NULL"`
	Claim      string `xorm:"VARCHAR(128) UNIQUE NOT NULL"`
	JobID      int64  `xorm:"NOT NULL DEFAULT 0"`
	RunnerID   int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RunnerName string `xorm:"VARCHAR(255) NOT NULL DEFAULT ''"`
	State      string `xorm:"VARCHAR(16) NOT NULL"`
	Holder     string `xorm:"VARCHAR(64) INDEX NOT NULL DEFAULT ''"`
	Renewed    int64  `xorm:"NOT NULL DEFAULT 0"`
	Started    int64  `xorm:"NOT NULL DEFAULT 0"`
	Contacted  int64  `xorm:"NOT NULL DEFAULT 0"`
	Ended      int64  `xorm:"NOT NULL DEFAULT 0"`
	Outcome    string `xorm:"VARCHAR(32) NOT NULL DEFAULT ''"`
	Output     string `xorm:"TEXT"`
}

func (v0029ActionPoolRunner) TableName() string { return "action_pool_runner" }

func v0029CreatePoolRunners(x *xorm.Engine) error {
	return x.Sync(new(v0029ActionPoolRunner))
}
