package migrations

import "xorm.io/xorm"

// v0003ActionRunner keeps what the runner says it can do (Register field 8,
// Declare field 3 of newer protocol versions), e.g. whether it handles a
// cancel gracefully.
type v0003ActionRunner struct {
	Capabilities string `xorm:"TEXT"`
}

func (v0003ActionRunner) TableName() string { return "action_runner" }

func v0003AddRunnerCapabilities(x *xorm.Engine) error {
	return addColumns(x, new(v0003ActionRunner))
}
