// Package identity answers who a caller is and what they may manage. The
// rest of Runnerhub sees users, owners and repositories only through
// Provider, so a host that embeds Runnerhub supplies its own accounts by
// implementing it; Standalone is the implementation on Runnerhub's own tables.
package identity

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// User is a person who signs in or calls the API.
type User struct {
	ID      int64
	Name    string
	IsAdmin bool // an instance administrator manages everything
	// MustChangePassword: the user signs in with a password only to change
	// it (Standalone's flag; a host's provider leaves it false). Access
	// tokens are unaffected.
	MustChangePassword bool
}

// Owner owns repositories and runners: a user or an organization.
type Owner struct {
	ID    int64
	Name  string
	IsOrg bool
}

// Repo is a repository and its owner.
type Repo struct {
	ID    int64
	Name  string
	Owner *Owner
}

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.Owner.Name + "/" + r.Name }

// Provider is everything Runnerhub needs to know about accounts. Lookups of
// something that does not exist fail with errs.NotFound; credentials that do
// not match fail with errs.Unauthenticated.
type Provider interface {
	// UserByAccessToken resolves a personal access token.
	UserByAccessToken(ctx context.Context, token string) (*User, error)
	// UserByPassword checks a user's name (or email) and password.
	UserByPassword(ctx context.Context, login, password string) (*User, error)
	GetUserByID(ctx context.Context, id int64) (*User, error)

	GetOwnerByName(ctx context.Context, name string) (*Owner, error)
	GetOwnerByID(ctx context.Context, id int64) (*Owner, error)
	GetRepoByName(ctx context.Context, owner *Owner, name string) (*Repo, error)
	GetRepoByID(ctx context.Context, id int64) (*Repo, error)

	// IsOrgOwner reports whether the user owns the organization.
	IsOrgOwner(ctx context.Context, orgID, userID int64) (bool, error)
	// RepoAccess tells what the user was granted on the repository as a
	// collaborator or team member (Gitea's access mode: read, write, admin).
	// Owning the repository, owning its organization or being an instance
	// admin count separately; a host need not fold them in.
	RepoAccess(ctx context.Context, repoID, userID int64) (AccessMode, error)

	// OrgsOwnedBy and ReposAdministeredBy list what a user was given, for
	// the pages that show a user what they manage.
	OrgsOwnedBy(ctx context.Context, userID int64) ([]*Owner, error)
	ReposAdministeredBy(ctx context.Context, userID int64) ([]*Repo, error)
	ReposOf(ctx context.Context, ownerID int64) ([]*Repo, error)
}

// ScopedTokens is implemented by a Provider whose access tokens carry
// scopes (Standalone); the REST API then lets a token reach only the route
// categories its scope names. A Provider without it decides alone what its
// tokens may do, as the Gitea provider does, and the API treats them as "all".
type ScopedTokens interface {
	UserByScopedAccessToken(ctx context.Context, token string) (*User, TokenScope, error)
}

// AccessMode is what a user may do in a repository, as Gitea grades it.
type AccessMode int

const (
	AccessNone  AccessMode = iota // not even read
	AccessRead                    // read code, runs, jobs and logs
	AccessWrite                   // push, cancel and re-run
	AccessAdmin                   // manage the repository's runners, tokens and webhooks
)

// String is Gitea's name of the mode: none, read, write or admin.
func (m AccessMode) String() string {
	switch {
	case m >= AccessAdmin:
		return "admin"
	case m == AccessWrite:
		return "write"
	case m == AccessRead:
		return "read"
	}
	return "none"
}

// ParseAccessMode reads Gitea's collaborator permission: read, write or admin.
func ParseAccessMode(s string) (AccessMode, error) {
	for _, m := range []AccessMode{AccessRead, AccessWrite, AccessAdmin} {
		if s == m.String() {
			return m, nil
		}
	}
	return AccessNone, fmt.Errorf("%w: permission %q is not one of read, write, admin", errs.InvalidArgument, s)
}

// Operator is whoever runs the command line on the server: they can reach
// the database anyway, so they act as an instance administrator who is no
// particular user.
var Operator = &User{ID: 0, Name: "operator", IsAdmin: true}
