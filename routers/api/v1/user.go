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
}

func (a *API) getAuthenticatedUser(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, toAPIUser(Caller(r)))
}
