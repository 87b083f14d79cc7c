package v1

import (
	"context"
	"fmt"
	"net/http"

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

// ScopedHandler handles a request in a resolved scope the caller may manage.
type ScopedHandler func(w http.ResponseWriter, r *http.Request, sc identity.Scope)

// HandleScoped registers method + prefix + suffix for each scope in kinds,
// e.g. HandleScoped("GET", AllScopes, "/actions/runners", h). Before h runs,
// the scope is resolved from the path (404 when the org, owner or repo does
// not exist) and the caller must manage it (403 otherwise).
func (a *API) HandleScoped(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	a.handleScopes(method, kinds, suffix, h, func(r *http.Request, sc identity.Scope) error {
		return identity.CheckManage(r.Context(), a.Identity, Caller(r), sc)
	})
}

// HandleScopeResolved registers a route like HandleScoped, but leaves to
// h's service call the check of who may call it, for routes whose rights
// depend on the request body (generate-jitconfig: a runner group's managers
// for their group). The caller is signed in (Handle).
func (a *API) HandleScopeResolved(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	a.handleScopes(method, kinds, suffix, h, func(*http.Request, identity.Scope) error { return nil })
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
