package migrations

import "xorm.io/xorm"

// v0002ActionRunner adds the column the ephemeral-runner proposal asks for:
// a runner registered as ephemeral takes exactly one job.
type v0002ActionRunner struct {
	Ephemeral bool `xorm:"NOT NULL DEFAULT false"`
}

func (v0002ActionRunner) TableName() string { return "action_runner" }

func v0002AddRunnerEphemeral(x *xorm.Engine) error {
	return addColumns(x, new(v0002ActionRunner))
}
