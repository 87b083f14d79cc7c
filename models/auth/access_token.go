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
	TokenLastEight string `xorm:"VARCHAR(8)"` // shown in lists so a user can tell tokens apart
	Created        int64  `xorm:"created"`
	Updated        int64  `xorm:"updated"`
}

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
