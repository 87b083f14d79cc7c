package user

import (
	"context"

	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/models/db"
)

// FindUsers lists the users (not organizations) by name.
func FindUsers(ctx context.Context) ([]*User, error) {
	var us []*User
	err := db.GetEngine(ctx).Where("is_org = ?", false).OrderBy("lower_name").Find(&us)
	return us, db.Wrap(err)
}

// SetPasswordHash replaces the user's password hash and sets whether they
// must change it at their next sign-in.
func SetPasswordHash(ctx context.Context, id int64, hash string, mustChange bool) error {
	_, err := db.GetEngine(ctx).ID(id).Cols("passwd_hash", "must_change_password").Update(&User{PasswdHash: hash, MustChangePassword: mustChange})
	return db.Wrap(err)
}

// SetMustChangePassword sets the flag on the users with the given ids, or,
// when all, on every user (not organization) but those in except. It
// returns how many users that covers, counted before the update because
// MySQL counts only the rows an update actually changed.
func SetMustChangePassword(ctx context.Context, all bool, ids, except []int64, value bool) (int64, error) {
	if !all && len(ids) == 0 {
		return 0, nil
	}
	cond := func() *xorm.Session {
		sess := db.GetEngine(ctx).Where("is_org = ?", false)
		if !all {
			return sess.In("id", ids)
		}
		if len(except) > 0 {
			sess = sess.NotIn("id", except)
		}
		return sess
	}
	n, err := cond().Count(new(User))
	if err != nil {
		return 0, db.Wrap(err)
	}
	_, err = cond().Cols("must_change_password").Update(&User{MustChangePassword: value})
	return n, db.Wrap(err)
}

// DeleteUserRow removes the user's row; the caller removes what refers to it
// in the same transaction.
func DeleteUserRow(ctx context.Context, id int64) error {
	_, err := db.GetEngine(ctx).ID(id).Delete(new(User))
	return db.Wrap(err)
}
