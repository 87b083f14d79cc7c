package migrations

import "xorm.io/xorm"

// v0030User gives standalone users the flag that sends them to change their
// password at their next web sign-in; false, what every existing user gets,
// leaves them be.
type v0030User struct {
	MustChangePassword bool `xorm:"NOT NULL DEFAULT false"`
}

func (v0030User) TableName() string { return "user" }

func v0030AddUserMustChangePassword(x *xorm.Engine) error {
	return addColumns(x, new(v0030User))
}
