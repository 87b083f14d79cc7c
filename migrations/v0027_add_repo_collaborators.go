package migrations

import (
	"fmt"

	"xorm.io/xorm"
)

// v0027RepoCollaborator grants a user read (1), write (2) or admin (3)
// access to one repository, as Gitea's "collaboration" does; named apart
// from it so that the standalone accounts never meet a host's table.
type v0027RepoCollaborator struct {
	ID      int64 `xorm:"pk autoincr"`
	RepoID  int64 `xorm:"UNIQUE(repo_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(repo_user) INDEX NOT NULL"`
	Mode    int   `xorm:"NOT NULL DEFAULT 1"`
	Created int64 `xorm:"created"`
	Updated int64 `xorm:"updated"`
}

func (v0027RepoCollaborator) TableName() string { return "repo_collaborator" }

// v0027AddRepoCollaborators replaces repo_admin (admins only) with
// repo_collaborator: every repository admin becomes a collaborator with
// admin access. Run again after a crash it starts over: the copy and the
// drop are one transaction where the database allows (PostgreSQL, SQLite);
// on MySQL the copy ignores rows already copied.
func v0027AddRepoCollaborators(x *xorm.Engine) error {
	if err := x.Sync(new(v0027RepoCollaborator)); err != nil {
		return err
	}
	has, err := hasTable(x, "repo_admin")
	if err != nil || !has {
		return err
	}
	sess := x.NewSession()
	defer sess.Close()
	if err := sess.Begin(); err != nil {
		return err
	}
	copyRows := "INSERT INTO repo_collaborator (repo_id, user_id, mode, created, updated)" +
		" SELECT repo_id, user_id, 3, created, created FROM repo_admin a" +
		" WHERE NOT EXISTS (SELECT 1 FROM repo_collaborator c WHERE c.repo_id = a.repo_id AND c.user_id = a.user_id)"
	if _, err := sess.Exec(copyRows); err != nil {
		return fmt.Errorf("copy repo_admin into repo_collaborator: %w", err)
	}
	if _, err := sess.Exec("DROP TABLE repo_admin"); err != nil {
		return fmt.Errorf("drop repo_admin: %w", err)
	}
	return sess.Commit()
}
