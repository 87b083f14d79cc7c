package identity

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
	org_model "code.runnerhub.dev/runnerhub/models/organization"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// CreateUserInput describes a new user.
type CreateUserInput struct {
	Name     string
	Email    string
	Password string
	IsAdmin  bool
	// MustChangePassword sends the user to change the password at their
	// first web sign-in (for a password the operator chose or generated).
	MustChangePassword bool
}

// minPasswordLen is the shortest password accepted.
const minPasswordLen = 8

// checkPassword applies the rules every new password meets.
func checkPassword(password string) error {
	if len(password) < minPasswordLen {
		return fmt.Errorf("%w: password must be at least %d characters", errs.InvalidArgument, minPasswordLen)
	}
	return nil
}

// RandomPassword makes a password for `admin user create --random-password`:
// crypto/rand's 26 base32 characters (130 bits).
func RandomPassword() string { return rand.Text() }

// CreateUser adds a user who can sign in with the password.
func (s Standalone) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	if err := checkName("user", in.Name); err != nil {
		return nil, err
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, err
	}
	if in.Email != "" && (!strings.Contains(in.Email, "@") || len(in.Email) > 255) {
		return nil, fmt.Errorf("%w: email %q is not an address", errs.InvalidArgument, in.Email)
	}
	hash, err := s.hasher.hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u := &user_model.User{Name: in.Name, Email: in.Email, PasswdHash: hash, IsAdmin: in.IsAdmin, MustChangePassword: in.MustChangePassword}
	if err := user_model.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return toUser(u), nil
}

// CreateOrg adds an organization owned by creator.
func (Standalone) CreateOrg(ctx context.Context, creator *User, name string) (*Owner, error) {
	if err := checkName("organization", name); err != nil {
		return nil, err
	}
	org := &user_model.User{Name: name, IsOrg: true}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := user_model.CreateUser(ctx, org); err != nil {
			return err
		}
		return org_model.AddOrgOwner(ctx, org.ID, creator.ID)
	})
	if err != nil {
		return nil, err
	}
	return toOwner(org), nil
}

// CreateRepo adds a repository under owner, which doer must manage.
func (s Standalone) CreateRepo(ctx context.Context, doer *User, owner *Owner, name string) (*Repo, error) {
	if err := checkName("repository", name); err != nil {
		return nil, err
	}
	if err := CheckManage(ctx, s, doer, OwnerScope(owner)); err != nil {
		return nil, fmt.Errorf("%w (creating a repository needs that)", err)
	}
	r := &repo_model.Repository{OwnerID: owner.ID, Name: name}
	if err := repo_model.CreateRepository(ctx, r); err != nil {
		return nil, err
	}
	return &Repo{ID: r.ID, Name: r.Name, Owner: owner}, nil
}

// AddOrgOwner makes the named user an owner of org, which doer must manage.
func (s Standalone) AddOrgOwner(ctx context.Context, doer *User, org *Owner, userName string) (*User, error) {
	if !org.IsOrg {
		return nil, fmt.Errorf("%w: %s is a user, not an organization", errs.InvalidArgument, org.Name)
	}
	if err := CheckManage(ctx, s, doer, OwnerScope(org)); err != nil {
		return nil, err
	}
	u, err := s.getPerson(ctx, userName)
	if err != nil {
		return nil, err
	}
	return u, org_model.AddOrgOwner(ctx, org.ID, u.ID)
}

// SetCollaborator grants the named user mode (read, write or admin) on
// repo, replacing what they had; doer must manage the repository.
func (s Standalone) SetCollaborator(ctx context.Context, doer *User, repo *Repo, userName string, mode AccessMode) (*User, error) {
	if mode < AccessRead || mode > AccessAdmin {
		return nil, fmt.Errorf("%w: access %d is not read, write or admin", errs.InvalidArgument, mode)
	}
	if err := CheckManage(ctx, s, doer, RepoScope(repo)); err != nil {
		return nil, err
	}
	u, err := s.getPerson(ctx, userName)
	if err != nil {
		return nil, err
	}
	return u, repo_model.SetCollaborator(ctx, repo.ID, u.ID, int(mode))
}

// RemoveCollaborator takes the named user's granted access to repo away;
// doer must manage the repository. One who had none is NotFound.
func (s Standalone) RemoveCollaborator(ctx context.Context, doer *User, repo *Repo, userName string) error {
	if err := CheckManage(ctx, s, doer, RepoScope(repo)); err != nil {
		return err
	}
	u, err := s.getPerson(ctx, userName)
	if err != nil {
		return err
	}
	removed, err := repo_model.RemoveCollaborator(ctx, repo.ID, u.ID)
	if err == nil && !removed {
		err = fmt.Errorf("%w: %s is not a collaborator of %s", errs.NotFound, u.Name, repo.FullName())
	}
	return err
}

// ReadableRepos returns a page of the repositories doer may read (of one
// owner, or of all when owner is nil), by owner and name, and how many there
// are: CanRead's rule as one query.
func (s Standalone) ReadableRepos(ctx context.Context, doer *User, owner *Owner, page db.Page) ([]*Repo, int64, error) {
	opts := repo_model.ReadableOptions{UserID: doer.ID, IsAdmin: doer.IsAdmin, Page: page}
	if owner != nil {
		opts.OwnerID = owner.ID
	}
	rs, total, err := repo_model.FindReadableRepositories(ctx, opts)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.withOwners(ctx, rs)
	return out, total, err
}

// getPerson finds a user who is not an organization.
func (Standalone) getPerson(ctx context.Context, name string) (*User, error) {
	u, err := user_model.GetUserByName(ctx, name)
	if err != nil {
		return nil, err
	}
	if u.IsOrg {
		return nil, fmt.Errorf("%w: %s is an organization, not a user", errs.InvalidArgument, name)
	}
	return toUser(u), nil
}

// GetUserByName finds a user who is not an organization, for the CLI.
func (s Standalone) GetUserByName(ctx context.Context, name string) (*User, error) {
	return s.getPerson(ctx, name)
}
