package identity

import (
	"context"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// ScopeKind is how a path or a command names a scope.
type ScopeKind int

const (
	InstanceKind ScopeKind = iota // the whole instance
	OrgKind                       // an organization, by name
	OwnerKind                     // a user or an organization, by name
	SelfKind                      // the caller's own user scope
	RepoKind                      // a repository, by owner and name
)

// ScopeRef names a scope by what a URL or a command line says.
type ScopeRef struct {
	Kind  ScopeKind
	Owner string // OrgKind, OwnerKind, RepoKind
	Repo  string // RepoKind
	Self  *User  // SelfKind: the caller
}

// ParseScopeRef reads the command line's form: "" is the instance, "owner"
// a user or organization, "owner/repo" a repository.
func ParseScopeRef(s string) (ScopeRef, error) {
	if s == "" {
		return ScopeRef{Kind: InstanceKind}, nil
	}
	owner, repo, hasRepo := strings.Cut(s, "/")
	if owner == "" || (hasRepo && (repo == "" || strings.Contains(repo, "/"))) {
		return ScopeRef{}, fmt.Errorf("%w: scope %q is not owner or owner/repo", errs.InvalidArgument, s)
	}
	if hasRepo {
		return ScopeRef{Kind: RepoKind, Owner: owner, Repo: repo}, nil
	}
	return ScopeRef{Kind: OwnerKind, Owner: owner}, nil
}

// ResolveScope finds the scope ref names: the one resolver behind the REST
// API's paths, the pages' paths and the command line. Something that does
// not exist is errs.NotFound, worded for the reader. It does not check that
// anyone may manage the scope (CheckManage does).
func ResolveScope(ctx context.Context, p Provider, ref ScopeRef) (Scope, error) {
	switch ref.Kind {
	case InstanceKind:
		return InstanceScope, nil
	case SelfKind:
		if ref.Self == nil {
			return Scope{}, fmt.Errorf("%w: sign in first", errs.Unauthenticated)
		}
		o, err := p.GetOwnerByID(ctx, ref.Self.ID)
		if err != nil {
			return Scope{}, err
		}
		return OwnerScope(o), nil
	case OrgKind, OwnerKind:
		o, err := p.GetOwnerByName(ctx, ref.Owner)
		if err == nil && ref.Kind == OrgKind && !o.IsOrg {
			err = errs.NotFound
		}
		if err != nil {
			what := "owner"
			if ref.Kind == OrgKind {
				what = "organization"
			}
			return Scope{}, errs.Missing(err, fmt.Sprintf("%s %q", what, ref.Owner))
		}
		return OwnerScope(o), nil
	case RepoKind:
		o, err := p.GetOwnerByName(ctx, ref.Owner)
		if err == nil {
			var r *Repo
			if r, err = p.GetRepoByName(ctx, o, ref.Repo); err == nil {
				return RepoScope(r), nil
			}
		}
		return Scope{}, errs.Missing(err, "repository "+ref.Owner+"/"+ref.Repo)
	}
	return Scope{}, fmt.Errorf("unknown scope kind %d", ref.Kind)
}
