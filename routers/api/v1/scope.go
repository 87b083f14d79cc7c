package v1

import (
	"context"
	"fmt"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// ScopeKinds selects the scope prefixes a route is served under.
type ScopeKinds uint8

const (
	AdminScope ScopeKinds = 1 << iota // /api/v1/admin: the instance, admins only
	OrgScope                          // /api/v1/orgs/{org}: an organization
	UserScope                         // /api/v1/user: the caller's own
	RepoScope                         // /api/v1/repos/{owner}/{repo}: a repository

	AllScopes = AdminScope | OrgScope | UserScope | RepoScope
)

var scopePrefixes = []struct {
	kind   ScopeKinds
	prefix string
}{
	{AdminScope, Prefix + "/admin"},
	{OrgScope, Prefix + "/orgs/{org}"},
	{UserScope, Prefix + "/user"},
	{RepoScope, Prefix + "/repos/{owner}/{repo}"},
}

// ScopedHandler handles a request in a resolved scope the caller may act in.
type ScopedHandler func(w http.ResponseWriter, r *http.Request, sc identity.Scope)

// HandleScoped registers method + prefix + suffix for each scope in kinds,
// e.g. HandleScoped("GET", AllScopes, "/actions/runners", h), for those
// who manage the scope (its runners, tokens and webhooks: AccessAdmin).
func (a *API) HandleScoped(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	a.HandleScopedAccess(method, kinds, suffix, identity.AccessAdmin, h)
}

// HandleScopedRead is HandleScoped for routes that only read a repository's
// runs, jobs and logs: its readers may (AccessRead).
func (a *API) HandleScopedRead(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	a.HandleScopedAccess(method, kinds, suffix, identity.AccessRead, h)
}

// HandleScopedWrite is HandleScoped for routes that cancel or start runs:
// a repository's writers may (AccessWrite).
func (a *API) HandleScopedWrite(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	a.HandleScopedAccess(method, kinds, suffix, identity.AccessWrite, h)
}

// HandleScopedAccess registers a route for callers with at least need in
// the scope the path names (authorize).
func (a *API) HandleScopedAccess(method string, kinds ScopeKinds, suffix string, need identity.AccessMode, h ScopedHandler) {
	a.handleScopes(method, kinds, suffix, h, func(r *http.Request, sc identity.Scope) error {
		return a.authorize(r, sc, need)
	})
}

// HandleScopeResolved registers a route like HandleScoped, but leaves to
// h's service call the check of who may call it, for routes whose rights
// depend on the request body (generate-jitconfig: a runner group's managers
// for their group). The caller is signed in (Handle); a repository they may
// not read is hidden as everywhere (authorize).
func (a *API) HandleScopeResolved(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	a.handleScopes(method, kinds, suffix, h, func(r *http.Request, sc identity.Scope) error {
		if sc.Repo == nil {
			return nil
		}
		return a.authorize(r, sc, identity.AccessRead)
	})
}

// handleScopes registers h under each prefix of kinds, after resolving the
// scope and passing check.
func (a *API) handleScopes(method string, kinds ScopeKinds, suffix string, h ScopedHandler, check func(*http.Request, identity.Scope) error) {
	for _, p := range scopePrefixes {
		if kinds&p.kind == 0 {
			continue
		}
		kind := p.kind
		a.Handle(method+" "+p.prefix+suffix, func(w http.ResponseWriter, r *http.Request) {
			sc, err := a.ResolveScope(r.Context(), r, kind)
			if err == nil {
				err = check(r, sc)
			}
			if err != nil {
				WriteError(w, r, err)
				return
			}
			h(w, r, sc)
		})
	}
}

// authorize checks that the caller has need in sc. Its one rule, kept for
// every route: a caller who may not read a repository is answered 404, as
// if it did not exist, because even its runs tell what it holds; a caller
// who may read it but lacks need is answered 403. Organizations, users and
// the instance are not hidden: there it is 403.
func (a *API) authorize(r *http.Request, sc identity.Scope, need identity.AccessMode) error {
	mode, err := identity.AccessOf(r.Context(), a.Identity, Caller(r), sc)
	switch {
	case err != nil:
		return err
	case mode >= need:
		return nil
	case sc.Repo != nil && mode < identity.AccessRead:
		return fmt.Errorf("%w: %s", errs.NotFound, sc)
	case need >= identity.AccessAdmin:
		return fmt.Errorf("%w: you may not manage the runners of %s", errs.PermissionDenied, sc)
	}
	return fmt.Errorf("%w: this needs %s access to %s; you have %s", errs.PermissionDenied, need, sc, mode)
}

// ResolveScope finds the scope a request's path names. It does not check
// that the caller may manage it.
func (a *API) ResolveScope(ctx context.Context, r *http.Request, kind ScopeKinds) (identity.Scope, error) {
	ref := identity.ScopeRef{Owner: r.PathValue("owner"), Repo: r.PathValue("repo")}
	switch kind {
	case AdminScope:
		ref.Kind = identity.InstanceKind
	case UserScope:
		ref.Kind, ref.Self = identity.SelfKind, Caller(r)
	case OrgScope:
		ref.Kind, ref.Owner = identity.OrgKind, r.PathValue("org")
	case RepoScope:
		ref.Kind = identity.RepoKind
	default:
		return identity.Scope{}, fmt.Errorf("unknown scope kind %d", kind)
	}
	return identity.ResolveScope(ctx, a.Identity, ref)
}
