package auth

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// DeleteAccessTokensOf removes every access token of the user.
func DeleteAccessTokensOf(ctx context.Context, uid int64) error {
	_, err := db.GetEngine(ctx).Where("uid = ?", uid).Delete(new(AccessToken))
	return db.Wrap(err)
}
