package v1

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// registerAccessTokenRoutes serves Gitea's personal access token routes.
// Listing and revoking take any sign-in of the user (or an admin); making
// a token takes the password, so a stolen token cannot mint more.
func (a *API) registerAccessTokenRoutes() {
	a.Handle("GET "+Prefix+"/users/{username}/tokens", a.listAccessTokens)
	a.Handle("POST "+Prefix+"/users/{username}/tokens", a.createAccessToken)
	a.Handle("DELETE "+Prefix+"/users/{username}/tokens/{token}", a.deleteAccessToken)
}

// apiAccessToken is Gitea's AccessToken JSON; sha1 is the token itself,
// shown only in the answer that made it; scopes are normalized (write
// standing for read), ["all"] for a token made without naming any.
type apiAccessToken struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	SHA1           string     `json:"sha1"`
	TokenLastEight string     `json:"token_last_eight"`
	Scopes         []string   `json:"scopes"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
}

func toAPIAccessToken(t *identity.AccessToken, token string) apiAccessToken {
	out := apiAccessToken{ID: t.ID, Name: t.Name, SHA1: token, TokenLastEight: t.LastEight, Scopes: t.Scope.Names(), CreatedAt: time.Unix(t.Created, 0).UTC()}
	if t.ExpiresUnix != 0 {
		e := time.Unix(t.ExpiresUnix, 0).UTC()
		out.ExpiresAt = &e
	}
	return out
}

// tokenOwner resolves {username}: the caller themself, or anyone for an
// admin; someone else's name is 403 before it is looked up, so that it does
// not tell which users exist.
func (a *API) tokenOwner(r *http.Request) (*identity.User, error) {
	doer, name := Caller(r), r.PathValue("username")
	if !doer.IsAdmin && !strings.EqualFold(doer.Name, name) {
		return nil, fmt.Errorf("%w: you may manage only your own access tokens", errs.PermissionDenied)
	}
	u, err := a.Accounts.GetUserByName(r.Context(), name)
	if err != nil {
		return nil, errs.Missing(err, fmt.Sprintf("user %q", name))
	}
	return u, nil
}

func (a *API) listAccessTokens(w http.ResponseWriter, r *http.Request) {
	owner, err := a.tokenOwner(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ts, total, err := a.Accounts.ListAccessTokens(r.Context(), Caller(r), owner, p.Page, p.PageSize)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]apiAccessToken, len(ts))
	for i, t := range ts {
		out[i] = toAPIAccessToken(t, "")
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

// createAccessTokenOption is Gitea's CreateAccessTokenOption, with an
// optional expiry. Scopes are Gitea's names; leaving them out makes an
// "all" token, as every token was before scopes existed (Gitea requires
// at least one).
type createAccessTokenOption struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"` // RFC 3339; absent: never
}

var errTokenNeedsPassword = fmt.Errorf("%w: making an access token needs your password (HTTP basic auth), not a token", errs.Unauthenticated)

func (a *API) createAccessToken(w http.ResponseWriter, r *http.Request) {
	if !signedInWithPassword(r) {
		WriteError(w, r, errTokenNeedsPassword)
		return
	}
	owner, err := a.tokenOwner(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var in createAccessTokenOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	input := identity.AccessTokenInput{Name: in.Name, Scopes: in.Scopes}
	if in.ExpiresAt != nil {
		input.Expires = *in.ExpiresAt
	}
	t, token, err := a.Accounts.GenerateAccessToken(r.Context(), Caller(r), owner, input)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, toAPIAccessToken(t, token))
}

// deleteAccessToken revokes a token named by its id or name, as Gitea's does.
func (a *API) deleteAccessToken(w http.ResponseWriter, r *http.Request) {
	owner, err := a.tokenOwner(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if _, err := a.Accounts.DeleteAccessToken(r.Context(), Caller(r), owner, r.PathValue("token")); err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
