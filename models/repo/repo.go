// Package repo holds the repositories of standalone mode.
package repo

import (
	"context"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Repository belongs to one user or organization.
type Repository struct {
	ID        int64  `xorm:"pk autoincr"`
	OwnerID   int64  `xorm:"UNIQUE(owner_name) NOT NULL"`
	LowerName string `xorm:"VARCHAR(255) UNIQUE(owner_name) NOT NULL"`
	Name      string `xorm:"VARCHAR(255) NOT NULL"`
	Created   int64  `xorm:"created"`
}

func (Repository) TableName() string { return "repository" }

// GetRepositoryByName finds the owner's repository by name, ignoring case.
func GetRepositoryByName(ctx context.Context, ownerID int64, name string) (*Repository, error) {
	r := &Repository{}
	has, err := db.GetEngine(ctx).Where("owner_id = ? AND lower_name = ?", ownerID, strings.ToLower(name)).Get(r)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("repository %q: %w", name, db.ErrNotExist)
	}
	return r, nil
}

// GetRepositoryByID finds a repository by id.
func GetRepositoryByID(ctx context.Context, id int64) (*Repository, error) {
	r := &Repository{}
	has, err := db.GetEngine(ctx).ID(id).Get(r)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("repository %d: %w", id, db.ErrNotExist)
	}
	return r, nil
}

// CreateRepository stores r; the name must be unused under its owner.
func CreateRepository(ctx context.Context, r *Repository) error {
	r.LowerName = strings.ToLower(r.Name)
	n, err := db.GetEngine(ctx).Where("owner_id = ? AND lower_name = ?", r.OwnerID, r.LowerName).Count(new(Repository))
	if err != nil {
		return db.Wrap(err)
	}
	if n > 0 {
		return fmt.Errorf("repository %q: %w", r.Name, db.ErrAlreadyExist)
	}
	_, err = db.GetEngine(ctx).Insert(r)
	return db.Wrap(err)
}
