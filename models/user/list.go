package user

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// GetUsersByIDs returns the users and organizations with the given ids, by name.
func GetUsersByIDs(ctx context.Context, ids []int64) ([]*User, error) {
	var us []*User
	if len(ids) == 0 {
		return us, nil
	}
	err := db.GetEngine(ctx).In("id", ids).OrderBy("lower_name").Find(&us)
	return us, db.Wrap(err)
}

// UpdateUserCols writes the named columns of u.
func UpdateUserCols(ctx context.Context, u *User, cols ...string) error {
	_, err := db.GetEngine(ctx).ID(u.ID).Cols(cols...).Update(u)
	return db.Wrap(err)
}
