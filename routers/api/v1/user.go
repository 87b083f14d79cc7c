package v1

import (
	"net/http"

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
	a.registerAccessTokenRoutes()
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

func (a *API) getAuthenticatedUser(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, toAPIUser(Caller(r)))
}
