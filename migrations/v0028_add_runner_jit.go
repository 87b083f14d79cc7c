package migrations

import "xorm.io/xorm"

// v0028ActionRunner marks the runners made from a JIT config (SPEC §10):
// pre-registered and ephemeral, and removed after JIT_UNUSED_AFTER when
// they never take their job, much sooner than other idle ephemeral
// runners. Every existing runner registered itself, so false.
type v0028ActionRunner struct {
	JIT bool `xorm:"'jit' NOT NULL DEFAULT false"`
}

func (v0028ActionRunner) TableName() string { return "action_runner" }

func v0028AddRunnerJIT(x *xorm.Engine) error {
	return addColumns(x, new(v0028ActionRunner))
}
