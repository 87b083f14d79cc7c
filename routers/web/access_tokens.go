package web

import (
	"maps"
	"net/http"
	"time"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// applicationsURL is the signed-in user's page of personal access tokens,
// where Gitea has it.
const applicationsURL = "/user/settings/applications"

// registerAccessTokenPages serves the access token page in standalone mode;
// a host with its own accounts manages tokens itself.
func (w *Web) registerAccessTokenPages(mux *http.ServeMux) {
	if w.Accounts == nil {
		return
	}
	w.handle(mux, "GET "+applicationsURL, w.accessTokensPage)
	w.handle(mux, "POST "+applicationsURL+"/tokens", w.createAccessToken)
	w.handle(mux, "POST "+applicationsURL+"/tokens/{id}/delete", w.deleteAccessToken)
}

func (w *Web) accessTokensPage(rw http.ResponseWriter, r *http.Request) {
	if !requireSignIn(rw, r) {
		return
	}
	extra := map[string]any{}
	if r.URL.Query().Get("done") == "deleted" {
		extra["Flash"] = "The access token was deleted; it no longer works."
	}
	w.renderAccessTokens(rw, r, http.StatusOK, extra)
}

// renderAccessTokens shows the user's tokens; extra adds a just-made token
// or an error.
func (w *Web) renderAccessTokens(rw http.ResponseWriter, r *http.Request, status int, extra map[string]any) {
	u := signedIn(r)
	tokens, _, err := w.Accounts.ListAccessTokens(r.Context(), u, u, 0, 0)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	type tokenRow struct {
		*identity.AccessToken
		Expired bool
	}
	rows := make([]tokenRow, len(tokens))
	now := time.Now()
	for i, t := range tokens {
		t.Name = visible(t.Name)
		rows[i] = tokenRow{AccessToken: t, Expired: t.IsExpired(now)}
	}
	data := map[string]any{"Title": "Access tokens", "Tokens": rows, "BaseURL": applicationsURL, "ScopeChoices": scopeChoices}
	maps.Copy(data, extra)
	w.render(rw, r, status, "applications", data)
}

// createAccessToken makes a token and shows it on the page this once; the
// answer is not a redirect, so the token never travels in a URL. The
// session was opened with the password, which stands for it here.
func (w *Web) createAccessToken(rw http.ResponseWriter, r *http.Request) {
	if !requireSignIn(rw, r) {
		return
	}
	in := identity.AccessTokenInput{Name: r.PostFormValue("name"), Scopes: r.PostForm["scope"]}
	if len(in.Scopes) == 0 {
		// On the API no scopes means all, as it did before scopes; on the
		// page it would mean the user unticked every box.
		w.renderAccessTokens(rw, r, http.StatusUnprocessableEntity, map[string]any{"TokenError": "Choose at least one scope (all, or what the token may read or write)."})
		return
	}
	days, err := formInt(r, "expires_days")
	if err != nil || days < 0 || days > maxAccessTokenDays {
		w.renderAccessTokens(rw, r, http.StatusUnprocessableEntity, map[string]any{"TokenError": "Expiry must be a whole number of days from 0 (never) to 3650."})
		return
	}
	if days > 0 {
		in.Expires = time.Now().Add(time.Duration(days) * 24 * time.Hour)
	}
	u := signedIn(r)
	t, token, err := w.Accounts.GenerateAccessToken(r.Context(), u, u, in)
	if err != nil {
		w.renderAccessTokens(rw, r, http.StatusUnprocessableEntity, map[string]any{"TokenError": userMessage(err)})
		return
	}
	w.renderAccessTokens(rw, r, http.StatusOK, map[string]any{"NewToken": token, "NewTokenName": visible(t.Name)})
}

// scopeChoice is a row of the page's scope checkboxes: a category the REST
// API has routes in, with the names of its read and write scopes.
type scopeChoice struct {
	Category    string
	Read, Write string
}

// scopeChoices are the categories Runnerhub's routes fall in; Gitea's
// other categories reach nothing here, so the page does not offer them.
var scopeChoices = func() []scopeChoice {
	var out []scopeChoice
	for _, c := range []identity.TokenCategory{identity.CategoryAdmin, identity.CategoryOrganization, identity.CategoryRepository, identity.CategoryUser} {
		out = append(out, scopeChoice{Category: string(c), Read: identity.ScopeName(c, identity.TokenRead), Write: identity.ScopeName(c, identity.TokenWrite)})
	}
	return out
}()

// maxAccessTokenDays bounds the expiry a form may ask for: ten years.
const maxAccessTokenDays = 3650

func (w *Web) deleteAccessToken(rw http.ResponseWriter, r *http.Request) {
	if !requireSignIn(rw, r) {
		return
	}
	u := signedIn(r)
	if _, err := w.Accounts.DeleteAccessToken(r.Context(), u, u, r.PathValue("id")); err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.Redirect(rw, r, applicationsURL+"?done=deleted", http.StatusSeeOther)
}
