package identity

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// Scope is what runners and registration tokens belong to: the instance
// (Owner nil), an owner (Owner set, Repo nil) or a repository (both set).
type Scope struct {
	Owner *Owner
	Repo  *Repo
}

// InstanceScope is the whole instance.
var InstanceScope = Scope{}

// OwnerScope is an owner's scope.
func OwnerScope(o *Owner) Scope { return Scope{Owner: o} }

// RepoScope is a repository's scope.
func RepoScope(r *Repo) Scope { return Scope{Owner: r.Owner, Repo: r} }

// IsInstance reports whether the scope is the whole instance.
func (s Scope) IsInstance() bool { return s.Owner == nil }

// OwnerID is 0 for the instance.
func (s Scope) OwnerID() int64 {
	if s.Owner == nil {
		return 0
	}
	return s.Owner.ID
}

// RepoID is 0 unless the scope is a repository.
func (s Scope) RepoID() int64 {
	if s.Repo == nil {
		return 0
	}
	return s.Repo.ID
}

// String names the scope for people: "instance", "org acme", "user alice", "repo acme/app".
func (s Scope) String() string {
	switch {
	case s.Repo != nil:
		return "repo " + s.Repo.FullName()
	case s.Owner == nil:
		return "instance"
	case s.Owner.IsOrg:
		return "org " + s.Owner.Name
	default:
		return "user " + s.Owner.Name
	}
}

// AccessOf grades what u may do in the scope: admins everything; a user
// their own scope and their repositories, an org owner the org and its
// repositories (AccessAdmin); in a repository, whatever the provider says
// u was granted (RepoAccess). Outside a repository there is only managing
// (AccessAdmin) or nothing.
func AccessOf(ctx context.Context, p Provider, u *User, s Scope) (AccessMode, error) {
	switch {
	case u == nil:
		return AccessNone, nil
	case u.IsAdmin:
		return AccessAdmin, nil
	case s.Owner == nil:
		return AccessNone, nil
	}
	ok, err := canManageOwner(ctx, p, u, s.Owner)
	switch {
	case err != nil:
		return AccessNone, err
	case ok:
		return AccessAdmin, nil
	case s.Repo == nil:
		return AccessNone, nil
	}
	return p.RepoAccess(ctx, s.Repo.ID, u.ID)
}

// CanManage reports whether u may manage the scope's runners, tokens and
// webhooks (AccessOf is AccessAdmin).
func CanManage(ctx context.Context, p Provider, u *User, s Scope) (bool, error) {
	mode, err := AccessOf(ctx, p, u, s)
	return mode >= AccessAdmin, err
}

// CanRead reports whether u may read the scope's runs, jobs and logs: who
// may manage it, and in a repository whoever was granted read access.
func CanRead(ctx context.Context, p Provider, u *User, s Scope) (bool, error) {
	mode, err := AccessOf(ctx, p, u, s)
	return mode >= AccessRead, err
}

func canManageOwner(ctx context.Context, p Provider, u *User, o *Owner) (bool, error) {
	if !o.IsOrg {
		return o.ID == u.ID, nil
	}
	return p.IsOrgOwner(ctx, o.ID, u.ID)
}

// CheckManage is CanManage as an error: PermissionDenied when u may not.
func CheckManage(ctx context.Context, p Provider, u *User, s Scope) error {
	ok, err := CanManage(ctx, p, u, s)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: you may not manage the runners of %s", errs.PermissionDenied, s)
	}
	return nil
}

// ScopeOfIDs rebuilds a scope from stored owner and repository ids.
func ScopeOfIDs(ctx context.Context, p Provider, ownerID, repoID int64) (Scope, error) {
	if repoID != 0 {
		r, err := p.GetRepoByID(ctx, repoID)
		if err != nil {
			return Scope{}, err
		}
		return RepoScope(r), nil
	}
	if ownerID != 0 {
		o, err := p.GetOwnerByID(ctx, ownerID)
		if err != nil {
			return Scope{}, err
		}
		return OwnerScope(o), nil
	}
	return InstanceScope, nil
}

// ManagedScopes lists the scopes u manages, for a home page: the instance
// for admins, then u's own, their organizations and repositories.
func ManagedScopes(ctx context.Context, p Provider, u *User) ([]Scope, error) {
	var out []Scope
	if u.IsAdmin {
		out = append(out, InstanceScope)
	}
	self, err := p.GetOwnerByID(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	owners := []*Owner{self}
	orgs, err := p.OrgsOwnedBy(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	owners = append(owners, orgs...)
	seen := map[int64]bool{}
	for _, o := range owners {
		out = append(out, OwnerScope(o))
		repos, err := p.ReposOf(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range repos {
			seen[r.ID] = true
			out = append(out, RepoScope(r))
		}
	}
	granted, err := p.ReposAdministeredBy(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range granted {
		if !seen[r.ID] {
			out = append(out, RepoScope(r))
		}
	}
	return out, nil
}

// ScopeOf is the scope of stored ids: the instance (both 0), an owner, or a
// repository. Only the ids are known; for names, resolve it with ScopeOfIDs.
func ScopeOf(ownerID, repoID int64) Scope {
	switch {
	case repoID != 0:
		o := &Owner{ID: ownerID}
		return Scope{Owner: o, Repo: &Repo{ID: repoID, Owner: o}}
	case ownerID != 0:
		return Scope{Owner: &Owner{ID: ownerID}}
	}
	return InstanceScope
}

// Contains reports whether something stored with these ids lies in the
// scope: everything in the instance, an owner's repositories in the owner's.
func (s Scope) Contains(ownerID, repoID int64) bool {
	return (s.RepoID() == 0 || s.RepoID() == repoID) && (s.OwnerID() == 0 || s.OwnerID() == ownerID)
}
