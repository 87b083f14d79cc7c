package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// repoPage is a page of a repository the signed-in user may read;
// canManage says whether they may also cancel and re-run.
type repoPage func(rw http.ResponseWriter, r *http.Request, sc identity.Scope, canManage bool)

// handleRepo registers a page under /{owner}/{repo}: a signed-in reader of
// the repository sees it (identity.CanRead), anyone else is told there is
// no such page; a POST needs a manager of the repository, as the API's
// cancel and re-run do.
func (w *Web) handleRepo(mux *http.ServeMux, method, suffix string, h repoPage) {
	w.handle(mux, method+" /{owner}/{repo}"+suffix, func(rw http.ResponseWriter, r *http.Request) {
		if !requireSignIn(rw, r) {
			return
		}
		ctx, u := r.Context(), signedIn(r)
		sc, err := w.resolveScope(ctx, r, repoPages)
		var read, manage bool
		if err == nil {
			read, err = identity.CanRead(ctx, w.Identity, u, sc)
		}
		if err == nil && read {
			manage, err = identity.CanManage(ctx, w.Identity, u, sc)
		}
		switch {
		case err == nil && !read:
			err = errs.NotFound
		case err == nil && r.Method == http.MethodPost && !manage:
			w.renderError(rw, r, http.StatusForbidden, "You may read this repository's runs but not cancel or re-run them.")
			return
		}
		if err != nil {
			if errors.Is(err, errs.NotFound) {
				w.renderError(rw, r, http.StatusNotFound, "There is no such page.")
				return
			}
			w.renderServiceError(rw, r, err)
			return
		}
		h(rw, r, sc, manage)
	})
}

// The addresses of a repository's actions pages: the html_url of runs and
// jobs in the API and the webhooks.
func repoURL(repo *identity.Repo) string {
	return "/" + url.PathEscape(repo.Owner.Name) + "/" + url.PathEscape(repo.Name)
}

func actionsURL(repo *identity.Repo) string { return repoURL(repo) + "/actions" }

func runURL(repo *identity.Repo, runID int64) string {
	return actionsURL(repo) + "/runs/" + strconv.FormatInt(runID, 10)
}

func jobURL(repo *identity.Repo, runID, jobID int64) string {
	return runURL(repo, runID) + "/jobs/" + strconv.FormatInt(jobID, 10)
}

// pathID reads a numeric id from the path; false when it is not one.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
