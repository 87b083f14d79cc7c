package v1

import (
	"fmt"
	"net/http"
	"strings"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// apiUser is Gitea's User JSON, the fields Runnerhub knows.
type apiUser struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	UserName string `json:"username"`
	IsAdmin  bool   `json:"is_admin"`
}

func toAPIUser(u *identity.User) apiUser {
	return apiUser{ID: u.ID, Login: u.Name, UserName: u.Name, IsAdmin: u.IsAdmin}
}

func (a *API) registerUserRoutes() {
	a.Handle("GET "+Prefix+"/user", a.getAuthenticatedUser)
	if a.Accounts == nil {
		return
	}
	a.HandleScoped("POST", AdminScope, "/users", a.createUser)
	a.Handle("POST "+Prefix+"/users/{username}/tokens", a.createAccessToken)
}

// createUserOption is the part of Gitea's admin CreateUserOption Runnerhub uses.
type createUserOption struct {
	UserName string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

// createUser is POST /admin/users; HandleScoped checked the caller is an admin.
func (a *API) createUser(w http.ResponseWriter, r *http.Request, _ identity.Scope) {
	var in createUserOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	u, err := a.Accounts.CreateUser(r.Context(), identity.CreateUserInput{Name: in.UserName, Email: in.Email, Password: in.Password, IsAdmin: in.Admin})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, toAPIUser(u))
}

// apiAccessToken is Gitea's AccessToken JSON; sha1 is the token itself,
// shown this once.
type apiAccessToken struct {
	Name           string `json:"name"`
	SHA1           string `json:"sha1"`
	TokenLastEight string `json:"token_last_eight"`
}

// createAccessToken is Gitea's POST /users/{username}/tokens: a user makes
// a token for themselves (an admin for anyone).
func (a *API) createAccessToken(w http.ResponseWriter, r *http.Request) {
	doer := Caller(r)
	name := r.PathValue("username")
	if !doer.IsAdmin && !strings.EqualFold(doer.Name, name) {
		WriteError(w, r, fmt.Errorf("%w: you may create access tokens only for yourself", errs.PermissionDenied))
		return
	}
	u, err := a.Accounts.GetUserByName(r.Context(), name)
	if err != nil {
		WriteError(w, r, errs.Missing(err, fmt.Sprintf("user %q", name)))
		return
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	token, err := a.Accounts.CreateAccessToken(r.Context(), u.ID, in.Name)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, apiAccessToken{Name: in.Name, SHA1: token, TokenLastEight: token[len(token)-8:]})
}

func (a *API) getAuthenticatedUser(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, toAPIUser(Caller(r)))
}
