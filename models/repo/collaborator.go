package repo

import (
	"context"
	"time"

	"xorm.io/builder"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Collaborator grants a user access to one repository they neither own nor
// manage through its organization, graded as Gitea grades it: Mode is 1
// (read: runs, jobs and logs), 2 (write: also cancel and re-run) or 3
// (admin: also its runners, registration tokens and webhooks). The table is
// the standalone accounts' own ("repo_collaborator", not Gitea's
// "collaboration"), so a host's tables are never touched.
type Collaborator struct {
	ID      int64 `xorm:"pk autoincr"`
	RepoID  int64 `xorm:"UNIQUE(repo_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(repo_user) INDEX NOT NULL"`
	Mode    int   `xorm:"NOT NULL DEFAULT 1"`
	Created int64 `xorm:"created"`
	Updated int64 `xorm:"updated"`
}

func (Collaborator) TableName() string { return "repo_collaborator" }

// SetCollaborator grants the user mode on the repository, replacing what
// they had; granting the same twice changes nothing.
func SetCollaborator(ctx context.Context, repoID, userID int64, mode int) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		now := time.Now().Unix()
		if err := db.InsertIgnore(ctx, "repo_collaborator", []string{"repo_id", "user_id", "mode", "created", "updated"}, repoID, userID, mode, now, now); err != nil {
			return err
		}
		_, err := db.GetEngine(ctx).Exec("UPDATE repo_collaborator SET mode = ?, updated = ? WHERE repo_id = ? AND user_id = ? AND mode <> ?", mode, now, repoID, userID, mode)
		return db.Wrap(err)
	})
}

// RemoveCollaborator takes the user's access to the repository away; it
// reports false when they had none.
func RemoveCollaborator(ctx context.Context, repoID, userID int64) (bool, error) {
	n, err := db.GetEngine(ctx).Where("repo_id = ? AND user_id = ?", repoID, userID).Delete(new(Collaborator))
	return n > 0, db.Wrap(err)
}

// CollaboratorMode is what the user was granted on the repository; 0 for nothing.
func CollaboratorMode(ctx context.Context, repoID, userID int64) (int, error) {
	c := &Collaborator{}
	has, err := db.GetEngine(ctx).Where("repo_id = ? AND user_id = ?", repoID, userID).Get(c)
	if err != nil || !has {
		return 0, db.Wrap(err)
	}
	return c.Mode, nil
}

// GetRepoIDsGranted lists the repositories the user was granted at least minMode on.
func GetRepoIDsGranted(ctx context.Context, userID int64, minMode int) ([]int64, error) {
	var ids []int64
	err := db.GetEngine(ctx).Table("repo_collaborator").Cols("repo_id").Where("user_id = ? AND mode >= ?", userID, minMode).Find(&ids)
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

// ReadableOptions selects the repositories a user may read, for the
// repository lists: OwnerID 0 is every owner's.
type ReadableOptions struct {
	UserID  int64
	IsAdmin bool // an instance admin reads every repository
	OwnerID int64
	Page    db.Page
}

// FindReadableRepositories returns a page of the repositories the user may
// read, by owner and name, and how many there are: those of owners they
// are or own, and those they were granted. The rule is CanRead's for the
// standalone accounts, as one query.
func FindReadableRepositories(ctx context.Context, opts ReadableOptions) ([]*Repository, int64, error) {
	cond := builder.NewCond()
	if opts.OwnerID != 0 {
		cond = cond.And(builder.Eq{"owner_id": opts.OwnerID})
	}
	if !opts.IsAdmin {
		cond = cond.And(builder.Or(
			builder.Eq{"owner_id": opts.UserID},
			builder.In("owner_id", builder.Select("org_id").From("org_owner").Where(builder.Eq{"user_id": opts.UserID})),
			builder.In("id", builder.Select("repo_id").From("repo_collaborator").Where(builder.Eq{"user_id": opts.UserID}.And(builder.Gte{"mode": 1}))),
		))
	}
	var rs []*Repository
	total, err := opts.Page.Apply(db.GetEngine(ctx).Where(cond).OrderBy("owner_id, lower_name")).FindAndCount(&rs)
	return rs, total, db.Wrap(err)
}
