package actions

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Run is one execution of a workflow in a repository.
type Run struct {
	ID            int64  `xorm:"pk autoincr"`
	OwnerID       int64  `xorm:"INDEX NOT NULL"`
	RepoID        int64  `xorm:"INDEX UNIQUE(repo_number) NOT NULL"`
	Number        int64  `xorm:"UNIQUE(repo_number) NOT NULL"` // the run number within the repository
	Title         string `xorm:"VARCHAR(255)"`
	WorkflowID    string `xorm:"VARCHAR(255)"` // the workflow file name
	Ref           string `xorm:"VARCHAR(255)"`
	CommitSHA     string `xorm:"VARCHAR(64)"`
	Event         string `xorm:"VARCHAR(64)"`
	EventPayload  string `xorm:"LONGTEXT"`
	TriggerUserID int64  `xorm:"NOT NULL DEFAULT 0"`
	Status        Status `xorm:"INDEX NOT NULL"`
	Attempt       int64  `xorm:"NOT NULL DEFAULT 1"`
	Started       int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped       int64  `xorm:"NOT NULL DEFAULT 0"`
	Created       int64  `xorm:"created"`
	Updated       int64  `xorm:"updated"`
}

func (Run) TableName() string { return "action_run" }

// CreateRun stores r with the next run number of its repository.
func CreateRun(ctx context.Context, r *Run) error {
	last := &Run{}
	if _, err := db.GetEngine(ctx).Where("repo_id = ?", r.RepoID).Desc("id").Cols("number").Get(last); err != nil {
		return db.Wrap(err)
	}
	r.Number = last.Number + 1
	_, err := db.GetEngine(ctx).Insert(r)
	return db.Wrap(err)
}

// GetRunByID returns a run.
func GetRunByID(ctx context.Context, id int64) (*Run, error) {
	r := &Run{}
	has, err := db.GetEngine(ctx).ID(id).Get(r)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("run %d: %w", id, db.ErrNotExist)
	}
	return r, nil
}

// UpdateRun writes the named columns of r.
func UpdateRun(ctx context.Context, r *Run, cols ...string) error {
	_, err := db.GetEngine(ctx).ID(r.ID).Cols(cols...).Update(r)
	return db.Wrap(err)
}
