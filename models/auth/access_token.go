// Package auth holds the credentials of standalone mode: personal access
// tokens for the REST API and web sign-in sessions. Both are stored only as
// hashes.
package auth

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// AccessToken is a personal access token; it acts as its user on the REST API.
type AccessToken struct {
	ID             int64  `xorm:"pk autoincr"`
	UID            int64  `xorm:"INDEX NOT NULL"`
	Name           string `xorm:"VARCHAR(255) NOT NULL"`
	TokenHash      string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	TokenLastEight string `xorm:"VARCHAR(8)"`         // shown in lists so a user can tell tokens apart
	ExpiresUnix    int64  `xorm:"NOT NULL DEFAULT 0"` // 0: never
	// Scope is what the token may do, in Gitea's spelling, normalized
	// (services/identity.TokenScope); "" is "all", what tokens made before
	// scopes existed have.
	Scope   string `xorm:"VARCHAR(255) NOT NULL DEFAULT ''"`
	Created int64  `xorm:"created"`
	Updated int64  `xorm:"updated"`
}

// IsExpired reports whether the token's expiry has come at now (unix seconds).
func (t *AccessToken) IsExpired(now int64) bool { return t.ExpiresUnix != 0 && t.ExpiresUnix <= now }

func (AccessToken) TableName() string { return "access_token" }

// CreateAccessToken stores t; a user's token names are unique.
func CreateAccessToken(ctx context.Context, t *AccessToken) error {
	n, err := db.GetEngine(ctx).Where("uid = ? AND name = ?", t.UID, t.Name).Count(new(AccessToken))
	if err != nil {
		return db.Wrap(err)
	}
	if n > 0 {
		return fmt.Errorf("access token %q: %w", t.Name, db.ErrAlreadyExist)
	}
	_, err = db.GetEngine(ctx).Insert(t)
	return db.Wrap(err)
}

// GetAccessTokenByHash finds a token by its stored hash.
func GetAccessTokenByHash(ctx context.Context, hash string) (*AccessToken, error) {
	t := &AccessToken{}
	has, err := db.GetEngine(ctx).Where("token_hash = ?", hash).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("access token: %w", db.ErrNotExist)
	}
	return t, nil
}

// FindAccessTokens returns a page of a user's tokens, oldest first, and how
// many the user has.
func FindAccessTokens(ctx context.Context, uid int64, page, pageSize int) ([]*AccessToken, int64, error) {
	var ts []*AccessToken
	sess := db.GetEngine(ctx).Where("uid = ?", uid).OrderBy("id")
	if pageSize > 0 {
		sess = sess.Limit(pageSize, (max(page, 1)-1)*pageSize)
	}
	total, err := sess.FindAndCount(&ts)
	return ts, total, db.Wrap(err)
}

// GetAccessTokenByUIDAndName finds a user's token by its name.
func GetAccessTokenByUIDAndName(ctx context.Context, uid int64, name string) (*AccessToken, error) {
	t := &AccessToken{}
	has, err := db.GetEngine(ctx).Where("uid = ? AND name = ?", uid, name).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("access token %q: %w", name, db.ErrNotExist)
	}
	return t, nil
}

// DeleteAccessToken removes a user's token by id; deleting one that is
// not there (or not the user's) is ErrNotExist.
func DeleteAccessToken(ctx context.Context, uid, id int64) error {
	n, err := db.GetEngine(ctx).Where("uid = ? AND id = ?", uid, id).Delete(new(AccessToken))
	if err != nil {
		return db.Wrap(err)
	}
	if n == 0 {
		return fmt.Errorf("access token %d: %w", id, db.ErrNotExist)
	}
	return nil
}

// GetAccessTokenByID finds a user's token by its id.
func GetAccessTokenByID(ctx context.Context, uid, id int64) (*AccessToken, error) {
	t := &AccessToken{}
	has, err := db.GetEngine(ctx).Where("uid = ? AND id = ?", uid, id).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("access token %d: %w", id, db.ErrNotExist)
	}
	return t, nil
}
