package migrations

import "xorm.io/xorm"

// v0013ActionAudit records who created, reset, disabled, enabled or deleted
// a registration token, and who registered, disabled, enabled, deleted or
// deregistered a runner: when, and from which address.
type v0013ActionAudit struct {
	ID         int64  `xorm:"pk autoincr"`
	OwnerID    int64  `xorm:"INDEX(scope) NOT NULL DEFAULT 0"`
	RepoID     int64  `xorm:"INDEX(scope) NOT NULL DEFAULT 0"`
	ActorID    int64  `xorm:"NOT NULL DEFAULT 0"`
	Actor      string `xorm:"VARCHAR(255) NOT NULL"`
	Action     string `xorm:"VARCHAR(64) NOT NULL"`
	TargetType string `xorm:"VARCHAR(32) NOT NULL"`
	TargetID   int64  `xorm:"NOT NULL DEFAULT 0"`
	TargetName string `xorm:"VARCHAR(255)"`
	Detail     string `xorm:"TEXT"`
	RemoteAddr string `xorm:"VARCHAR(64)"`
	Created    int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
}

func (v0013ActionAudit) TableName() string { return "action_audit" }

func v0013CreateAudit(x *xorm.Engine) error {
	return x.Sync(new(v0013ActionAudit))
}
