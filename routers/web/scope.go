package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// The settings pages live where Gitea has them.
var scopePages = []struct {
	kind   scopeKind
	prefix string
}{
	{adminPages, "/-/admin"},
	{orgPages, "/org/{org}/settings"},
	{userPages, "/user/settings"},
	{repoPages, "/{owner}/{repo}/settings"},
}

type scopeKind int

const (
	adminPages scopeKind = iota
	orgPages
	userPages
	repoPages
)

// runnersURL is the Runners page of a scope.
func runnersURL(sc identity.Scope) string {
	switch {
	case sc.Repo != nil:
		return "/" + url.PathEscape(sc.Repo.Owner.Name) + "/" + url.PathEscape(sc.Repo.Name) + "/settings/actions/runners"
	case sc.Owner == nil:
		return "/-/admin/actions/runners"
	case sc.Owner.IsOrg:
		return "/org/" + url.PathEscape(sc.Owner.Name) + "/settings/actions/runners"
	}
	return "/user/settings/actions/runners"
}

// scopeTitle names a scope on a page.
func scopeTitle(sc identity.Scope) string {
	switch {
	case sc.Repo != nil:
		return "Repository " + sc.Repo.FullName()
	case sc.Owner == nil:
		return "Site administration (all runners)"
	case sc.Owner.IsOrg:
		return "Organization " + sc.Owner.Name
	}
	return "User " + sc.Owner.Name
}

// resolveScope finds the page's scope. The user page is the signed-in
// user's own, whatever the URL says. Unknown names are NotFound.
func (w *Web) resolveScope(ctx context.Context, r *http.Request, kind scopeKind) (identity.Scope, error) {
	ref := identity.ScopeRef{Owner: r.PathValue("owner"), Repo: r.PathValue("repo")}
	switch kind {
	case adminPages:
		ref.Kind = identity.InstanceKind
	case userPages:
		ref.Kind, ref.Self = identity.SelfKind, signedIn(r)
	case orgPages:
		ref.Kind, ref.Owner = identity.OrgKind, r.PathValue("org")
	default:
		ref.Kind = identity.RepoKind
	}
	return identity.ResolveScope(ctx, w.Identity, ref)
}

// scopedPage is a page in a scope the signed-in user manages.
type scopedPage func(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string)

// handleScoped registers a page under every scope's prefix; the page runs
// only for a signed-in user who manages the scope (else sign-in, 404 or 403).
func (w *Web) handleScoped(mux *http.ServeMux, method, suffix string, h scopedPage) {
	for _, p := range scopePages {
		kind := p.kind
		w.handle(mux, method+" "+p.prefix+suffix, func(rw http.ResponseWriter, r *http.Request) {
			if !requireSignIn(rw, r) {
				return
			}
			sc, err := w.resolveScope(r.Context(), r, kind)
			if err == nil {
				err = identity.CheckManage(r.Context(), w.Identity, signedIn(r), sc)
			}
			if err != nil {
				w.renderServiceError(rw, r, err)
				return
			}
			h(rw, r, sc, runnersURL(sc))
		})
	}
}

// renderServiceError shows a service error as the page its kind calls for.
func (w *Web) renderServiceError(rw http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errs.NotFound):
		w.renderError(rw, r, http.StatusNotFound, "There is no such page.")
	case errors.Is(err, errs.PermissionDenied):
		w.renderError(rw, r, http.StatusForbidden, "You may not manage these runners.")
	case errors.Is(err, errs.InvalidArgument), errors.Is(err, errs.AlreadyExists), errors.Is(err, errs.FailedPrecondition):
		w.renderError(rw, r, http.StatusUnprocessableEntity, userMessage(err))
	case errors.Is(err, errs.Unavailable):
		w.renderError(rw, r, http.StatusServiceUnavailable, "The database cannot be reached; try again shortly.")
	default:
		logError(r, err)
		w.renderError(rw, r, http.StatusInternalServerError, "Something went wrong; it has been logged.")
	}
}
