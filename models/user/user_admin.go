package user

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// FindUsers lists the users (not organizations) by name.
func FindUsers(ctx context.Context) ([]*User, error) {
	var us []*User
	err := db.GetEngine(ctx).Where("is_org = ?", false).OrderBy("lower_name").Find(&us)
	return us, db.Wrap(err)
}

// SetPasswordHash replaces the user's password hash.
func SetPasswordHash(ctx context.Context, id int64, hash string) error {
	_, err := db.GetEngine(ctx).ID(id).Cols("passwd_hash").Update(&User{PasswdHash: hash})
	return db.Wrap(err)
}

// DeleteUserRow removes the user's row; the caller removes what refers to it
// in the same transaction.
func DeleteUserRow(ctx context.Context, id int64) error {
	_, err := db.GetEngine(ctx).ID(id).Delete(new(User))
	return db.Wrap(err)
}
