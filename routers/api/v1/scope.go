package v1

import (
	"context"
	"errors"
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

// ScopedHandler handles a request in a resolved scope the caller may manage.
type ScopedHandler func(w http.ResponseWriter, r *http.Request, sc identity.Scope)

// HandleScoped registers method + prefix + suffix for each scope in kinds,
// e.g. HandleScoped("GET", AllScopes, "/actions/runners", h). Before h runs,
// the scope is resolved from the path (404 when the org, owner or repo does
// not exist) and the caller must manage it (403 otherwise).
func (a *API) HandleScoped(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	for _, p := range scopePrefixes {
		if kinds&p.kind == 0 {
			continue
		}
		kind := p.kind
		a.Handle(method+" "+p.prefix+suffix, func(w http.ResponseWriter, r *http.Request) {
			sc, err := a.ResolveScope(r.Context(), r, kind)
			if err == nil {
				err = identity.CheckManage(r.Context(), a.Identity, Caller(r), sc)
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
	switch kind {
	case AdminScope:
		return identity.InstanceScope, nil
	case UserScope:
		o, err := a.Identity.GetOwnerByID(ctx, Caller(r).ID)
		if err != nil {
			return identity.Scope{}, err
		}
		return identity.OwnerScope(o), nil
	case OrgScope:
		o, err := a.Identity.GetOwnerByName(ctx, r.PathValue("org"))
		if err == nil && !o.IsOrg {
			err = errs.NotFound
		}
		if err != nil {
			return identity.Scope{}, notFound(err, "organization %q", r.PathValue("org"))
		}
		return identity.OwnerScope(o), nil
	case RepoScope:
		o, err := a.Identity.GetOwnerByName(ctx, r.PathValue("owner"))
		if err != nil {
			return identity.Scope{}, notFound(err, "repository %s/%s", r.PathValue("owner"), r.PathValue("repo"))
		}
		repo, err := a.Identity.GetRepoByName(ctx, o, r.PathValue("repo"))
		if err != nil {
			return identity.Scope{}, notFound(err, "repository %s/%s", r.PathValue("owner"), r.PathValue("repo"))
		}
		return identity.RepoScope(repo), nil
	}
	return identity.Scope{}, fmt.Errorf("unknown scope kind %d", kind)
}

// notFound rewords a lookup's NotFound for the API's reader; other errors pass.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, errs.NotFound) {
		return fmt.Errorf("%w: %s does not exist", errs.NotFound, fmt.Sprintf(format, args...))
	}
	return err
}
