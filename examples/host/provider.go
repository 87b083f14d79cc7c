package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// Accounts answers Runnerhub's questions from the host's own tables: this
// file is all the glue between the two.
var _ identity.Provider = (*Accounts)(nil)

func toIdentityUser(u *User) *identity.User {
	return &identity.User{ID: u.ID, Name: u.Name, IsAdmin: u.IsAdmin}
}

func toOwner(u *User) *identity.Owner {
	return &identity.Owner{ID: u.ID, Name: u.Name, IsOrg: u.IsOrg()}
}

// badCredentials is the one answer to a wrong name or password, so that the
// answer does not tell which was wrong.
func badCredentials() error {
	return fmt.Errorf("%w: wrong user name or password", errs.Unauthenticated)
}

// UserByAccessToken implements identity.Provider: the token's hash is looked
// up, so no stored secret is compared.
func (a *Accounts) UserByAccessToken(ctx context.Context, token string) (*identity.User, error) {
	t := new(APIToken)
	err := a.getOne(ctx, t, "access token", "token_hash = ?", hashToken(token))
	if errors.Is(err, errs.NotFound) {
		return nil, fmt.Errorf("%w: access token is unknown", errs.Unauthenticated)
	}
	if err != nil {
		return nil, err
	}
	u, err := a.userByID(ctx, t.UID)
	if errors.Is(err, errs.NotFound) || (err == nil && u.IsOrg()) {
		return nil, fmt.Errorf("%w: access token belongs to a removed user", errs.Unauthenticated)
	}
	if err != nil {
		return nil, err
	}
	return toIdentityUser(u), nil
}

// UserByPassword implements identity.Provider: login is a user name or an
// e-mail address. Organizations never sign in.
func (a *Accounts) UserByPassword(ctx context.Context, login, password string) (*identity.User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	var found []*User
	if login != "" {
		if err := a.x.Context(ctx).Where("type = ? AND (lower_name = ? OR email = ?)", userTypeIndividual, login, login).
			Limit(2).Find(&found); err != nil {
			return nil, err
		}
	}
	if len(found) != 1 || found[0].Passwd == "" {
		passwordMatches(password, dummySalt, "") // spend the same time as a wrong password
		return nil, badCredentials()
	}
	u := found[0]
	if !passwordMatches(password, u.Salt, u.Passwd) {
		return nil, badCredentials()
	}
	return toIdentityUser(u), nil
}

// GetUserByID implements identity.Provider; an organization is not a user.
func (a *Accounts) GetUserByID(ctx context.Context, id int64) (*identity.User, error) {
	u, err := a.userByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.IsOrg() {
		return nil, fmt.Errorf("%w: user %d", errs.NotFound, id)
	}
	return toIdentityUser(u), nil
}

// GetOwnerByName implements identity.Provider.
func (a *Accounts) GetOwnerByName(ctx context.Context, name string) (*identity.Owner, error) {
	u, err := a.userByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return toOwner(u), nil
}

// GetOwnerByID implements identity.Provider.
func (a *Accounts) GetOwnerByID(ctx context.Context, id int64) (*identity.Owner, error) {
	u, err := a.userByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return toOwner(u), nil
}

// GetRepoByName implements identity.Provider.
func (a *Accounts) GetRepoByName(ctx context.Context, owner *identity.Owner, name string) (*identity.Repo, error) {
	r, err := a.repoByOwner(ctx, owner.ID, owner.Name, name)
	if err != nil {
		return nil, err
	}
	return &identity.Repo{ID: r.ID, Name: r.Name, Owner: owner}, nil
}

// GetRepoByID implements identity.Provider.
func (a *Accounts) GetRepoByID(ctx context.Context, id int64) (*identity.Repo, error) {
	r := new(Repository)
	if err := a.getOne(ctx, r, fmt.Sprintf("repository %d", id), "id = ?", id); err != nil {
		return nil, err
	}
	owner, err := a.GetOwnerByID(ctx, r.OwnerID)
	if err != nil {
		return nil, err
	}
	return &identity.Repo{ID: r.ID, Name: r.Name, Owner: owner}, nil
}

// IsOrgOwner implements identity.Provider: an owner in org_member.
func (a *Accounts) IsOrgOwner(ctx context.Context, orgID, userID int64) (bool, error) {
	return a.x.Context(ctx).Where("org_id = ? AND uid = ? AND is_owner = ?", orgID, userID, true).Exist(new(OrgMember))
}

// RepoAccess implements identity.Provider with the host's own rules: the
// mode of the user's collaboration (the host numbers modes as Gitea does,
// which identity.AccessMode follows), else write for a member of the
// repository's organization, else read when the repository is public.
// Runnerhub answers 404 to whoever gets none, and 403 to a reader who
// asks for more than reading.
func (a *Accounts) RepoAccess(ctx context.Context, repoID, userID int64) (identity.AccessMode, error) {
	var c Collaboration
	has, err := a.x.Context(ctx).Where("repo_id = ? AND user_id = ?", repoID, userID).Get(&c)
	if err != nil {
		return identity.AccessNone, err
	}
	if has {
		return identity.AccessMode(min(c.Mode, accessAdmin)), nil
	}
	var r Repository
	if has, err = a.x.Context(ctx).ID(repoID).Get(&r); err != nil || !has {
		return identity.AccessNone, err
	}
	if ok, err := a.CanWrite(ctx, &r, userID); err != nil {
		return identity.AccessNone, err
	} else if ok {
		return identity.AccessWrite, nil
	}
	if ok, err := a.CanRead(ctx, &r, userID); err != nil {
		return identity.AccessNone, err
	} else if ok {
		return identity.AccessRead, nil
	}
	return identity.AccessNone, nil
}

// OrgsOwnedBy implements identity.Provider.
func (a *Accounts) OrgsOwnedBy(ctx context.Context, userID int64) ([]*identity.Owner, error) {
	var orgs []*User
	err := a.x.Context(ctx).Where("type = ?", userTypeOrganization).
		And("id IN (SELECT org_id FROM org_member WHERE uid = ? AND is_owner = ?)", userID, true).
		Asc("lower_name").Find(&orgs)
	if err != nil {
		return nil, err
	}
	out := make([]*identity.Owner, len(orgs))
	for i, o := range orgs {
		out[i] = toOwner(o)
	}
	return out, nil
}

// ReposAdministeredBy implements identity.Provider.
func (a *Accounts) ReposAdministeredBy(ctx context.Context, userID int64) ([]*identity.Repo, error) {
	var repos []*Repository
	err := a.x.Context(ctx).Where("id IN (SELECT repo_id FROM collaboration WHERE user_id = ? AND mode >= ?)", userID, accessAdmin).
		Asc("id").Find(&repos)
	if err != nil {
		return nil, err
	}
	return a.toRepos(ctx, repos)
}

// ReposOf implements identity.Provider.
func (a *Accounts) ReposOf(ctx context.Context, ownerID int64) ([]*identity.Repo, error) {
	var repos []*Repository
	if err := a.x.Context(ctx).Where("owner_id = ?", ownerID).Asc("lower_name").Find(&repos); err != nil {
		return nil, err
	}
	return a.toRepos(ctx, repos)
}

func (a *Accounts) toRepos(ctx context.Context, repos []*Repository) ([]*identity.Repo, error) {
	owners, err := a.usersOf(ctx, repos)
	if err != nil {
		return nil, err
	}
	out := make([]*identity.Repo, 0, len(repos))
	for _, r := range repos {
		if o := owners[r.OwnerID]; o != nil {
			out = append(out, &identity.Repo{ID: r.ID, Name: r.Name, Owner: toOwner(o)})
		}
	}
	return out, nil
}
