package repo

import (
	"context"

	"xorm.io/builder"

	"code.runnerhub.dev/runnerhub/models/db"
)

// RepoAdmin makes a user an administrator of one repository: they manage its
// runners and registration tokens and nothing else.
type RepoAdmin struct {
	ID      int64 `xorm:"pk autoincr"`
	RepoID  int64 `xorm:"UNIQUE(repo_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(repo_user) INDEX NOT NULL"`
	Created int64 `xorm:"created"`
}

func (RepoAdmin) TableName() string { return "repo_admin" }

// AddRepoAdmin makes the user an administrator of the repository; adding one
// twice changes nothing.
func AddRepoAdmin(ctx context.Context, repoID, userID int64) error {
	return db.InsertIgnore(ctx, "repo_admin", []string{"repo_id", "user_id"}, repoID, userID)
}

// IsRepoAdmin reports whether the user administers the repository.
func IsRepoAdmin(ctx context.Context, repoID, userID int64) (bool, error) {
	has, err := db.GetEngine(ctx).Where("repo_id = ? AND user_id = ?", repoID, userID).Exist(new(RepoAdmin))
	return has, db.Wrap(err)
}

// GetRepoIDsAdministeredBy lists the repositories the user administers.
func GetRepoIDsAdministeredBy(ctx context.Context, userID int64) ([]int64, error) {
	var ids []int64
	err := db.GetEngine(ctx).Table("repo_admin").Cols("repo_id").Where("user_id = ?", userID).Find(&ids)
	return ids, db.Wrap(err)
}

// FindRepositoriesOptions selects repositories by owner or by id; both empty
// selects none.
type FindRepositoriesOptions struct {
	OwnerIDs []int64
	IDs      []int64
}

// FindRepositories returns the matching repositories, by owner and name.
func FindRepositories(ctx context.Context, opts FindRepositoriesOptions) ([]*Repository, error) {
	var rs []*Repository
	if len(opts.OwnerIDs) == 0 && len(opts.IDs) == 0 {
		return rs, nil
	}
	cond := builder.NewCond()
	if len(opts.OwnerIDs) > 0 {
		cond = cond.Or(builder.In("owner_id", opts.OwnerIDs))
	}
	if len(opts.IDs) > 0 {
		cond = cond.Or(builder.In("id", opts.IDs))
	}
	err := db.GetEngine(ctx).Where(cond).OrderBy("owner_id, lower_name").Find(&rs)
	return rs, db.Wrap(err)
}
