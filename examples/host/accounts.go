package main

import (
	"context"
	"fmt"
	"strings"

	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// The host's own account tables, in the database Runnerhub shares. They are
// shaped after Gitea's, not after Runnerhub's standalone accounts: one "user"
// table for people and organizations (Type), with a full name, an e-mail
// address and a salted password hash; "repository" with its privacy and the
// workflow file the simulated pushes run; who may do what in org_member and
// collaboration; API tokens, stored as hashes, in api_token.

// User is a person or an organization.
type User struct {
	ID        int64  `xorm:"pk autoincr"`
	LowerName string `xorm:"VARCHAR(255) UNIQUE NOT NULL"`
	Name      string `xorm:"VARCHAR(255) NOT NULL"`
	FullName  string `xorm:"VARCHAR(255)"`
	Email     string `xorm:"VARCHAR(255) INDEX"` // lower-cased; empty for organizations
	Passwd    string `xorm:"VARCHAR(255)"`       // hex PBKDF2-SHA256; empty: cannot sign in
	Salt      string `xorm:"VARCHAR(32)"`
	Type      int    `xorm:"NOT NULL DEFAULT 0"`
	IsAdmin   bool   `xorm:"NOT NULL DEFAULT false"`
	Created   int64  `xorm:"created"`
}

// TableName is Gitea's name, the one Runnerhub's standalone accounts would use.
func (User) TableName() string { return "user" }

// The values of User.Type, as Gitea numbers them.
const (
	userTypeIndividual   = 0
	userTypeOrganization = 1
)

// IsOrg reports whether the account is an organization.
func (u *User) IsOrg() bool { return u.Type == userTypeOrganization }

// Repository is a repository of a user or an organization.
type Repository struct {
	ID           int64  `xorm:"pk autoincr"`
	OwnerID      int64  `xorm:"UNIQUE(owner_name) NOT NULL"`
	LowerName    string `xorm:"VARCHAR(255) UNIQUE(owner_name) NOT NULL"`
	Name         string `xorm:"VARCHAR(255) NOT NULL"`
	IsPrivate    bool   `xorm:"NOT NULL DEFAULT false"`
	WorkflowFile string `xorm:"VARCHAR(255)"` // e.g. "ci.yml"; a real host reads .gitea/workflows/ from git
	Workflow     string `xorm:"TEXT"`
	Created      int64  `xorm:"created"`
}

// TableName is Gitea's name.
func (Repository) TableName() string { return "repository" }

// OrgMember says a user belongs to an organization; its owners manage it.
type OrgMember struct {
	ID      int64 `xorm:"pk autoincr"`
	OrgID   int64 `xorm:"UNIQUE(org_user) NOT NULL"`
	UID     int64 `xorm:"UNIQUE(org_user) INDEX NOT NULL"`
	IsOwner bool  `xorm:"NOT NULL DEFAULT false"`
}

// Collaboration gives a user access to a repository.
type Collaboration struct {
	ID     int64 `xorm:"pk autoincr"`
	RepoID int64 `xorm:"UNIQUE(repo_user) NOT NULL"`
	UserID int64 `xorm:"UNIQUE(repo_user) INDEX NOT NULL"`
	Mode   int   `xorm:"NOT NULL DEFAULT 2"`
}

// Access modes of a collaboration, as Gitea numbers them.
const (
	accessWrite = 2
	accessAdmin = 3
)

// APIToken is a personal access token; only its SHA-256 is kept.
type APIToken struct {
	ID        int64  `xorm:"pk autoincr"`
	UID       int64  `xorm:"INDEX NOT NULL"`
	Name      string `xorm:"VARCHAR(255) NOT NULL"`
	TokenHash string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	Created   int64  `xorm:"created"`
}

// Accounts is the host's account store, and Runnerhub's identity.Provider.
type Accounts struct {
	x *xorm.Engine
}

// migrateAccounts creates or updates the host's tables. A real host has a
// migration sequence; xorm's Sync is enough for the example.
func migrateAccounts(x *xorm.Engine) error {
	return x.Sync(new(User), new(Repository), new(OrgMember), new(Collaboration), new(APIToken))
}

// CreateUser adds a person who signs in with name (or e-mail) and password.
func (a *Accounts) CreateUser(ctx context.Context, name, fullName, email, password string, isAdmin bool) (*User, error) {
	if password == "" {
		return nil, fmt.Errorf("%w: a password is required", errs.InvalidArgument)
	}
	salt, err := newSalt()
	if err != nil {
		return nil, err
	}
	hash, err := hashPassword(password, salt)
	if err != nil {
		return nil, err
	}
	u := &User{Name: name, FullName: fullName, Email: strings.ToLower(email), Salt: salt,
		Passwd: hash, Type: userTypeIndividual, IsAdmin: isAdmin}
	return u, a.insertAccount(ctx, u)
}

// CreateOrg adds an organization owned by the user ownerID, both or neither.
func (a *Accounts) CreateOrg(ctx context.Context, name, fullName string, ownerID int64) (*User, error) {
	owner, err := a.userByID(ctx, ownerID)
	if err == nil && owner.IsOrg() {
		err = fmt.Errorf("%w: an organization cannot own an organization", errs.InvalidArgument)
	}
	if err != nil {
		return nil, err
	}
	org := &User{Name: name, FullName: fullName, Type: userTypeOrganization}
	_, err = a.x.Transaction(func(s *xorm.Session) (any, error) {
		if err := insertAccount(s.Context(ctx), org); err != nil {
			return nil, err
		}
		_, err := s.Insert(&OrgMember{OrgID: org.ID, UID: ownerID, IsOwner: true})
		return nil, err
	})
	return org, err
}

func (a *Accounts) insertAccount(ctx context.Context, u *User) error {
	return insertAccount(a.x.Context(ctx), u)
}

func insertAccount(s *xorm.Session, u *User) error {
	if !validName(u.Name) {
		return fmt.Errorf("%w: name %q", errs.InvalidArgument, u.Name)
	}
	u.LowerName = strings.ToLower(u.Name)
	_, err := s.Insert(u)
	return err
}

// AddOrgMember puts a user in an organization, as an owner or not.
func (a *Accounts) AddOrgMember(ctx context.Context, orgID, uid int64, isOwner bool) error {
	_, err := a.x.Context(ctx).Insert(&OrgMember{OrgID: orgID, UID: uid, IsOwner: isOwner})
	return err
}

// CreateRepo adds a repository whose pushes run workflow (file name and YAML).
func (a *Accounts) CreateRepo(ctx context.Context, owner *User, name string, isPrivate bool, workflowFile, workflow string) (*Repository, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%w: repository name %q", errs.InvalidArgument, name)
	}
	r := &Repository{OwnerID: owner.ID, LowerName: strings.ToLower(name), Name: name, IsPrivate: isPrivate,
		WorkflowFile: workflowFile, Workflow: workflow}
	_, err := a.x.Context(ctx).Insert(r)
	return r, err
}

// Collaborate gives a user write or admin access to a repository.
func (a *Accounts) Collaborate(ctx context.Context, repoID, userID int64, mode int) error {
	_, err := a.x.Context(ctx).Insert(&Collaboration{RepoID: repoID, UserID: userID, Mode: mode})
	return err
}

// CreateToken makes a personal access token for uid and returns it; it is
// shown this once and stored only as its hash.
func (a *Accounts) CreateToken(ctx context.Context, uid int64, name string) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	_, err = a.x.Context(ctx).Insert(&APIToken{UID: uid, Name: name, TokenHash: hashToken(token)})
	return token, err
}

// userByName finds a person or an organization; NotFound when there is none.
func (a *Accounts) userByName(ctx context.Context, name string) (*User, error) {
	u := new(User)
	return u, a.getOne(ctx, u, "account "+name, "lower_name = ?", strings.ToLower(name))
}

func (a *Accounts) userByID(ctx context.Context, id int64) (*User, error) {
	u := new(User)
	return u, a.getOne(ctx, u, fmt.Sprintf("account %d", id), "id = ?", id)
}

// repoByNames finds owner/name.
func (a *Accounts) repoByNames(ctx context.Context, ownerName, name string) (*User, *Repository, error) {
	owner, err := a.userByName(ctx, ownerName)
	if err != nil {
		return nil, nil, err
	}
	r, err := a.repoByOwner(ctx, owner.ID, ownerName, name)
	return owner, r, err
}

func (a *Accounts) repoByOwner(ctx context.Context, ownerID int64, ownerName, name string) (*Repository, error) {
	r := new(Repository)
	return r, a.getOne(ctx, r, "repository "+ownerName+"/"+name, "owner_id = ? AND lower_name = ?", ownerID, strings.ToLower(name))
}

// getOne loads into bean the row the condition selects; NotFound (naming
// what) when there is none. The condition is always written out: xorm's Get
// with a struct as the condition leaves out zero fields, so an id of 0 or
// an empty name would match any row.
func (a *Accounts) getOne(ctx context.Context, bean any, what, cond string, args ...any) error {
	has, err := a.x.Context(ctx).Where(cond, args...).Get(bean)
	if err != nil {
		return err
	}
	if !has {
		return fmt.Errorf("%w: %s does not exist", errs.NotFound, what)
	}
	return nil
}

// CanWrite reports whether uid may push to the repository: its owner, a
// member of its organization, or a collaborator.
func (a *Accounts) CanWrite(ctx context.Context, r *Repository, uid int64) (bool, error) {
	if r.OwnerID == uid {
		return true, nil
	}
	member, err := a.x.Context(ctx).Where("org_id = ? AND uid = ?", r.OwnerID, uid).Exist(new(OrgMember))
	if err != nil || member {
		return member, err
	}
	return a.x.Context(ctx).Where("repo_id = ? AND user_id = ? AND mode >= ?", r.ID, uid, accessWrite).Exist(new(Collaboration))
}

// CanRead reports whether uid (0 for a visitor) may see the repository.
func (a *Accounts) CanRead(ctx context.Context, r *Repository, uid int64) (bool, error) {
	if !r.IsPrivate {
		return true, nil
	}
	if uid == 0 {
		return false, nil
	}
	return a.CanWrite(ctx, r, uid)
}

// listRepos lists every repository with its owner, by owner and name.
func (a *Accounts) listRepos(ctx context.Context) ([]*Repository, map[int64]*User, error) {
	var repos []*Repository
	if err := a.x.Context(ctx).Asc("owner_id", "lower_name").Find(&repos); err != nil {
		return nil, nil, err
	}
	owners, err := a.usersOf(ctx, repos)
	return repos, owners, err
}

// usersOf loads the owners of repos.
func (a *Accounts) usersOf(ctx context.Context, repos []*Repository) (map[int64]*User, error) {
	ids := make([]int64, 0, len(repos))
	for _, r := range repos {
		ids = append(ids, r.OwnerID)
	}
	owners := map[int64]*User{}
	if len(ids) == 0 {
		return owners, nil
	}
	var us []*User
	if err := a.x.Context(ctx).In("id", ids).Find(&us); err != nil {
		return nil, err
	}
	for _, u := range us {
		owners[u.ID] = u
	}
	return owners, nil
}

// validName keeps names to what fits in a URL path segment unescaped, and
// away from the paths the host and Runnerhub serve at the top level.
func validName(name string) bool {
	if name == "" || len(name) > 40 || isReserved(strings.ToLower(name)) {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "-")
}

func isReserved(lower string) bool {
	switch lower {
	case "api", "assets", "login", "logout", "metrics", "org", "user":
		return true
	}
	return false
}
