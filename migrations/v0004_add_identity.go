package migrations

import "xorm.io/xorm"

// v0004User adds what standalone identity needs to sign a user in and to
// tell an instance administrator apart.
type v0004User struct {
	Email      string `xorm:"VARCHAR(255)"`
	PasswdHash string `xorm:"VARCHAR(255)"`
	IsAdmin    bool   `xorm:"NOT NULL DEFAULT false"`
}

func (v0004User) TableName() string { return "user" }

// v0004OrgOwner: who owns an organization (and so manages its runners).
type v0004OrgOwner struct {
	ID      int64 `xorm:"pk autoincr"`
	OrgID   int64 `xorm:"UNIQUE(org_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(org_user) INDEX NOT NULL"`
	Created int64 `xorm:"created"`
}

func (v0004OrgOwner) TableName() string { return "org_owner" }

// v0004RepoAdmin: who administers a repository besides its owner.
type v0004RepoAdmin struct {
	ID      int64 `xorm:"pk autoincr"`
	RepoID  int64 `xorm:"UNIQUE(repo_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(repo_user) INDEX NOT NULL"`
	Created int64 `xorm:"created"`
}

func (v0004RepoAdmin) TableName() string { return "repo_admin" }

func v0004AddIdentity(x *xorm.Engine) error {
	if err := addColumns(x, new(v0004User)); err != nil {
		return err
	}
	return x.Sync(new(v0004OrgOwner), new(v0004RepoAdmin))
}
