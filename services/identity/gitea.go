package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// Gitea is the Provider over Gitea's own tables in the database Runnerhub
// shares with it ([accounts] SOURCE = gitea). It only reads: users
// ("user", type 0 a person, 1 an organization; is_admin), repositories
// ("repository"), the organizations' Owners teams ("team" with authorize 4,
// "team_user"), the access Gitea derives for each user and repository
// ("access", from collaborators and teams) and personal access tokens
// ("access_token", PBKDF2-hashed).
type Gitea struct {
	tokens *giteaTokenCache
}

var _ Provider = (*Gitea)(nil)

// NewGitea returns the provider over Gitea's tables.
func NewGitea() *Gitea { return &Gitea{tokens: newGiteaTokenCache()} }

// Gitea's numbers (models/perm and models/user there).
const (
	giteaTypeIndividual   = 0
	giteaTypeOrganization = 1
	giteaTypeBot          = 4
	giteaModeOwner        = 4
)

// giteaUser is the part of Gitea's user row Runnerhub reads.
type giteaUser struct {
	ID             int64
	Name           string
	Type           int
	IsAdmin        bool
	IsActive       bool
	ProhibitLogin  bool
	Passwd         string
	PasswdHashAlgo string
	Salt           string
}

const giteaUserCols = "id, name, type, is_admin, is_active, prohibit_login, passwd, passwd_hash_algo, salt"

func (u *giteaUser) isPerson() bool { return u.Type == giteaTypeIndividual || u.Type == giteaTypeBot }

// mayActAs reports whether the user may call the API at all, as Gitea decides.
func (u *giteaUser) mayActAs() bool { return u.isPerson() && u.IsActive && !u.ProhibitLogin }

func (u *giteaUser) owner() *Owner {
	return &Owner{ID: u.ID, Name: u.Name, IsOrg: u.Type == giteaTypeOrganization}
}

func (u *giteaUser) user() *User { return &User{ID: u.ID, Name: u.Name, IsAdmin: u.IsAdmin} }

func giteaUserWhere(ctx context.Context, cond string, args ...any) (*giteaUser, error) {
	u := &giteaUser{}
	has, err := db.GetEngine(ctx).SQL("SELECT "+giteaUserCols+" FROM "+db.Engine(ctx).Quote("user")+" WHERE "+cond, args...).Get(u)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("user: %w", errs.NotFound)
	}
	return u, nil
}

// GetUserByID implements Provider.
func (*Gitea) GetUserByID(ctx context.Context, id int64) (*User, error) {
	u, err := giteaUserWhere(ctx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if !u.isPerson() {
		return nil, fmt.Errorf("user %d: %w", id, errs.NotFound)
	}
	return u.user(), nil
}

// GetOwnerByName implements Provider.
func (*Gitea) GetOwnerByName(ctx context.Context, name string) (*Owner, error) {
	u, err := giteaUserWhere(ctx, "lower_name = ? AND type IN (?, ?)", strings.ToLower(name), giteaTypeIndividual, giteaTypeOrganization)
	if err != nil {
		return nil, err
	}
	return u.owner(), nil
}

// GetOwnerByID implements Provider.
func (*Gitea) GetOwnerByID(ctx context.Context, id int64) (*Owner, error) {
	u, err := giteaUserWhere(ctx, "id = ? AND type IN (?, ?, ?)", id, giteaTypeIndividual, giteaTypeOrganization, giteaTypeBot)
	if err != nil {
		return nil, err
	}
	return u.owner(), nil
}

type giteaRepo struct {
	ID      int64
	OwnerID int64
	Name    string
}

// GetRepoByName implements Provider.
func (*Gitea) GetRepoByName(ctx context.Context, owner *Owner, name string) (*Repo, error) {
	r := &giteaRepo{}
	has, err := db.GetEngine(ctx).SQL("SELECT id, owner_id, name FROM repository WHERE owner_id = ? AND lower_name = ?", owner.ID, strings.ToLower(name)).Get(r)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("repository %s/%s: %w", owner.Name, name, errs.NotFound)
	}
	return &Repo{ID: r.ID, Name: r.Name, Owner: owner}, nil
}

// GetRepoByID implements Provider.
func (g *Gitea) GetRepoByID(ctx context.Context, id int64) (*Repo, error) {
	r := &giteaRepo{}
	has, err := db.GetEngine(ctx).SQL("SELECT id, owner_id, name FROM repository WHERE id = ?", id).Get(r)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("repository %d: %w", id, errs.NotFound)
	}
	o, err := g.GetOwnerByID(ctx, r.OwnerID)
	if err != nil {
		return nil, err
	}
	return &Repo{ID: r.ID, Name: r.Name, Owner: o}, nil
}

// IsOrgOwner implements Provider: a member of the organization's Owners team.
func (*Gitea) IsOrgOwner(ctx context.Context, orgID, userID int64) (bool, error) {
	has, err := db.GetEngine(ctx).SQL("SELECT 1 FROM team_user tu JOIN team t ON t.id = tu.team_id "+
		"WHERE t.org_id = ? AND t.authorize = ? AND tu.uid = ?", orgID, giteaModeOwner, userID).Exist()
	return has, db.Wrap(err)
}

// RepoAccess implements Provider from Gitea's access table, which Gitea
// keeps as the sum of collaborations and team grants; owner counts as admin.
func (*Gitea) RepoAccess(ctx context.Context, repoID, userID int64) (AccessMode, error) {
	var mode int
	has, err := db.GetEngine(ctx).SQL("SELECT mode FROM access WHERE repo_id = ? AND user_id = ?", repoID, userID).Get(&mode)
	if err != nil || !has {
		return AccessNone, db.Wrap(err)
	}
	return min(AccessMode(mode), AccessAdmin), nil
}

// OrgsOwnedBy implements Provider.
func (*Gitea) OrgsOwnedBy(ctx context.Context, userID int64) ([]*Owner, error) {
	var us []*giteaUser
	err := db.GetEngine(ctx).SQL("SELECT "+giteaUserCols+" FROM "+db.Engine(ctx).Quote("user")+" WHERE type = ? AND id IN "+
		"(SELECT t.org_id FROM team t JOIN team_user tu ON tu.team_id = t.id WHERE t.authorize = ? AND tu.uid = ?) ORDER BY id",
		giteaTypeOrganization, giteaModeOwner, userID).Find(&us)
	if err != nil {
		return nil, db.Wrap(err)
	}
	out := make([]*Owner, len(us))
	for i, u := range us {
		out[i] = u.owner()
	}
	return out, nil
}

// ReposAdministeredBy implements Provider: repositories where Gitea grants
// the user admin (or owner) access.
func (g *Gitea) ReposAdministeredBy(ctx context.Context, userID int64) ([]*Repo, error) {
	return g.findRepos(ctx, "id IN (SELECT repo_id FROM access WHERE user_id = ? AND mode >= ?)", userID, int(AccessAdmin))
}

// ReposOf implements Provider.
func (g *Gitea) ReposOf(ctx context.Context, ownerID int64) ([]*Repo, error) {
	return g.findRepos(ctx, "owner_id = ?", ownerID)
}

func (g *Gitea) findRepos(ctx context.Context, cond string, args ...any) ([]*Repo, error) {
	var rs []*giteaRepo
	if err := db.GetEngine(ctx).SQL("SELECT id, owner_id, name FROM repository WHERE "+cond+" ORDER BY id", args...).Find(&rs); err != nil {
		return nil, db.Wrap(err)
	}
	owners := map[int64]*Owner{}
	out := make([]*Repo, 0, len(rs))
	for _, r := range rs {
		o, ok := owners[r.OwnerID]
		if !ok {
			var err error
			if o, err = g.GetOwnerByID(ctx, r.OwnerID); err != nil && !errors.Is(err, errs.NotFound) {
				return nil, err
			}
			owners[r.OwnerID] = o
		}
		if o != nil {
			out = append(out, &Repo{ID: r.ID, Name: r.Name, Owner: o})
		}
	}
	return out, nil
}
