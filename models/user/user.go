// Package user holds the users and organizations of standalone mode. An
// embedding host supplies its own.
package user

import (
	"context"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
)

// User is a person or an organization; both can own repositories and runners.
type User struct {
	ID        int64  `xorm:"pk autoincr"`
	LowerName string `xorm:"VARCHAR(255) UNIQUE NOT NULL"`
	Name      string `xorm:"VARCHAR(255) NOT NULL"`
	IsOrg     bool   `xorm:"NOT NULL DEFAULT false"`
	Created   int64  `xorm:"created"`

	Email      string `xorm:"VARCHAR(255)"`
	PasswdHash string `xorm:"VARCHAR(255)"` // modules/secret.HashPassword; empty: cannot sign in with a password
	IsAdmin    bool   `xorm:"NOT NULL DEFAULT false"`
	// MustChangePassword sends the user to change their password at the
	// web sign-in before anything else; access tokens are unaffected.
	MustChangePassword bool `xorm:"NOT NULL DEFAULT false"`
}

func (User) TableName() string { return "user" }

// GetUserByName finds a user or organization by name, ignoring case.
func GetUserByName(ctx context.Context, name string) (*User, error) {
	u := &User{}
	has, err := db.GetEngine(ctx).Where("lower_name = ?", strings.ToLower(name)).Get(u)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("user or organization %q: %w", name, db.ErrNotExist)
	}
	return u, nil
}

// GetUserByID finds a user or organization by id.
func GetUserByID(ctx context.Context, id int64) (*User, error) {
	u := &User{}
	has, err := db.GetEngine(ctx).ID(id).Get(u)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("user %d: %w", id, db.ErrNotExist)
	}
	return u, nil
}

// CreateUser stores u; the name must be unused.
func CreateUser(ctx context.Context, u *User) error {
	u.LowerName = strings.ToLower(u.Name)
	n, err := db.GetEngine(ctx).Where("lower_name = ?", u.LowerName).Count(new(User))
	if err != nil {
		return db.Wrap(err)
	}
	if n > 0 {
		return fmt.Errorf("user or organization %q: %w", u.Name, db.ErrAlreadyExist)
	}
	_, err = db.GetEngine(ctx).Insert(u)
	return db.Wrap(err)
}
