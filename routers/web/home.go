package web

import (
	"log/slog"
	"net/http"
	"strings"

	"code.runnerhub.dev/runnerhub/services/identity"
)

type scopeLink struct {
	Name, URL  string
	ActionsURL string // a repository's runs
}

// home greets visitors and lists, for a signed-in user, the scopes whose
// runners they manage. Anonymous visitors see no runner data.
func (w *Web) home(rw http.ResponseWriter, r *http.Request) {
	data := map[string]any{
		"Title":  "Home",
		"RPCURL": strings.TrimSuffix(w.Options.Server.RootURL, "/") + "/api/actions",
	}
	if u := signedIn(r); u != nil {
		scopes, err := identity.ManagedScopes(r.Context(), w.Identity, u)
		if err != nil {
			slog.ErrorContext(r.Context(), "list managed scopes", "err", err)
			w.renderError(rw, r, http.StatusInternalServerError, "The page could not be loaded.")
			return
		}
		links := make([]scopeLink, len(scopes))
		for i, sc := range scopes {
			links[i] = scopeLink{Name: scopeTitle(sc), URL: runnersURL(sc)}
			if sc.Repo != nil {
				links[i].ActionsURL = actionsURL(sc.Repo)
			}
		}
		data["Scopes"] = links
		if data["ManagedGroups"], err = w.managedGroupLinks(r, u); err != nil {
			slog.ErrorContext(r.Context(), "list managed runner groups", "err", err)
			w.renderError(rw, r, http.StatusInternalServerError, "The page could not be loaded.")
			return
		}
	}
	w.render(rw, r, http.StatusOK, "home", data)
}
