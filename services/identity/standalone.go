package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"code.runnerhub.dev/runnerhub/models/db"
	org_model "code.runnerhub.dev/runnerhub/models/organization"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// Standalone is the Provider on Runnerhub's own tables, with the account
// management a standalone server needs (users, organizations, repositories,
// access tokens, web sessions). Copies share the password hasher.
type Standalone struct {
	hasher *passwordHasher // bounds how many password hashes run at once
}

var _ Provider = Standalone{}

// NewStandalone returns the provider on Runnerhub's own tables; at most
// GOMAXPROCS password hashes run at once.
func NewStandalone() Standalone { return NewStandaloneWithHashSlots(defaultHashSlots()) }

// NewStandaloneWithHashSlots is NewStandalone with another bound on the
// password hashes run at once.
func NewStandaloneWithHashSlots(slots int) Standalone {
	return Standalone{hasher: newPasswordHasher(slots)}
}

func toUser(u *user_model.User) *User {
	return &User{ID: u.ID, Name: u.Name, IsAdmin: u.IsAdmin, MustChangePassword: u.MustChangePassword}
}

func toOwner(u *user_model.User) *Owner { return &Owner{ID: u.ID, Name: u.Name, IsOrg: u.IsOrg} }

// errBadCredentials is the one answer to a wrong name or password, so that
// the answer does not tell which was wrong.
var errBadCredentials = fmt.Errorf("%w: wrong user name or password", errs.Unauthenticated)

// dummyPasswordHash is checked against when the user does not exist, so that
// an unknown name takes as long to refuse as a wrong password.
// It is made on first use, not at start-up, because hashing is slow on purpose.
var dummyPasswordHash = sync.OnceValue(func() string { return secret.HashPassword("runnerhub: no such user") })

// UserByPassword implements Provider. Callers facing the network limit the
// attempts first (PasswordLimits); the hash itself waits for a free slot.
func (s Standalone) UserByPassword(ctx context.Context, login, password string) (*User, error) {
	u, err := user_model.GetUserByName(ctx, login)
	if errors.Is(err, db.ErrNotExist) || (err == nil && (u.IsOrg || u.PasswdHash == "")) {
		if err := s.hasher.run(ctx, func() { secret.PasswordMatches(password, dummyPasswordHash()) }); err != nil {
			return nil, err
		}
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.hasher.matches(ctx, password, u.PasswdHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errBadCredentials
	}
	return toUser(u), nil
}

// GetUserByID implements Provider.
func (Standalone) GetUserByID(ctx context.Context, id int64) (*User, error) {
	u, err := user_model.GetUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.IsOrg {
		return nil, fmt.Errorf("user %d: %w", id, errs.NotFound)
	}
	return toUser(u), nil
}

// GetOwnerByName implements Provider.
func (Standalone) GetOwnerByName(ctx context.Context, name string) (*Owner, error) {
	u, err := user_model.GetUserByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return toOwner(u), nil
}

// GetOwnerByID implements Provider.
func (Standalone) GetOwnerByID(ctx context.Context, id int64) (*Owner, error) {
	u, err := user_model.GetUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return toOwner(u), nil
}

// GetRepoByName implements Provider.
func (Standalone) GetRepoByName(ctx context.Context, owner *Owner, name string) (*Repo, error) {
	r, err := repo_model.GetRepositoryByName(ctx, owner.ID, name)
	if err != nil {
		return nil, err
	}
	return &Repo{ID: r.ID, Name: r.Name, Owner: owner}, nil
}

// GetRepoByID implements Provider.
func (s Standalone) GetRepoByID(ctx context.Context, id int64) (*Repo, error) {
	r, err := repo_model.GetRepositoryByID(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.GetOwnerByID(ctx, r.OwnerID)
	if err != nil {
		return nil, err
	}
	return &Repo{ID: r.ID, Name: r.Name, Owner: o}, nil
}

// IsOrgOwner implements Provider.
func (Standalone) IsOrgOwner(ctx context.Context, orgID, userID int64) (bool, error) {
	return org_model.IsOrgOwner(ctx, orgID, userID)
}

// RepoAccess implements Provider: what the user was granted as a
// collaborator (read, write or admin).
func (Standalone) RepoAccess(ctx context.Context, repoID, userID int64) (AccessMode, error) {
	mode, err := repo_model.CollaboratorMode(ctx, repoID, userID)
	return AccessMode(mode), err
}

// OrgsOwnedBy implements Provider.
func (Standalone) OrgsOwnedBy(ctx context.Context, userID int64) ([]*Owner, error) {
	ids, err := org_model.GetOrgIDsOwnedBy(ctx, userID)
	if err != nil {
		return nil, err
	}
	us, err := user_model.GetUsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Owner, len(us))
	for i, u := range us {
		out[i] = toOwner(u)
	}
	return out, nil
}

// ReposAdministeredBy implements Provider.
func (s Standalone) ReposAdministeredBy(ctx context.Context, userID int64) ([]*Repo, error) {
	ids, err := repo_model.GetRepoIDsGranted(ctx, userID, int(AccessAdmin))
	if err != nil {
		return nil, err
	}
	return s.findRepos(ctx, repo_model.FindRepositoriesOptions{IDs: ids})
}

// ReposOf implements Provider.
func (s Standalone) ReposOf(ctx context.Context, ownerID int64) ([]*Repo, error) {
	return s.findRepos(ctx, repo_model.FindRepositoriesOptions{OwnerIDs: []int64{ownerID}})
}

func (s Standalone) findRepos(ctx context.Context, opts repo_model.FindRepositoriesOptions) ([]*Repo, error) {
	rs, err := repo_model.FindRepositories(ctx, opts)
	if err != nil {
		return nil, err
	}
	return s.withOwners(ctx, rs)
}

// withOwners turns stored repositories into Repos, reading their owners at once.
func (Standalone) withOwners(ctx context.Context, rs []*repo_model.Repository) ([]*Repo, error) {
	ownerIDs := make([]int64, 0, len(rs))
	for _, r := range rs {
		ownerIDs = append(ownerIDs, r.OwnerID)
	}
	us, err := user_model.GetUsersByIDs(ctx, ownerIDs)
	if err != nil {
		return nil, err
	}
	owners := make(map[int64]*Owner, len(us))
	for _, u := range us {
		owners[u.ID] = toOwner(u)
	}
	out := make([]*Repo, 0, len(rs))
	for _, r := range rs {
		if o := owners[r.OwnerID]; o != nil {
			out = append(out, &Repo{ID: r.ID, Name: r.Name, Owner: o})
		}
	}
	return out, nil
}

// checkName applies Gitea's rules for user, organization and repository
// names, and keeps the names the web pages use for themselves.
func checkName(kind, name string) error {
	if name == "" || len(name) > 40 {
		return fmt.Errorf("%w: %s name must be 1 to 40 characters", errs.InvalidArgument, kind)
	}
	for i, c := range name {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		edge := i == 0 || i == len(name)-1
		if !alnum && (edge || !strings.ContainsRune("-_.", c)) {
			return fmt.Errorf("%w: %s name %q may contain only letters, digits, '-', '_' and '.', and must start and end with a letter or digit", errs.InvalidArgument, kind, name)
		}
	}
	if reservedNames[strings.ToLower(name)] {
		return fmt.Errorf("%w: %s name %q is reserved", errs.InvalidArgument, kind, name)
	}
	return nil
}

var reservedNames = map[string]bool{
	"admin": true, "api": true, "assets": true, "healthz": true, "metrics": true, "org": true, "user": true,
	"login": true, "logout": true, "explore": true, "settings": true,
}
