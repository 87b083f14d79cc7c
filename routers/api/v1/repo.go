package v1

import (
	"fmt"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// apiRepo is Gitea's Repository JSON, the fields Runnerhub knows.
type apiRepo struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	FullName string  `json:"full_name"`
	Owner    apiUser `json:"owner"`
}

func toAPIRepo(r *identity.Repo) apiRepo {
	return apiRepo{ID: r.ID, Name: r.Name, FullName: r.FullName(), Owner: apiUser{ID: r.Owner.ID, Login: r.Owner.Name, UserName: r.Owner.Name}}
}

// registerRepoRoutes serves the standalone account routes for repositories.
func (a *API) registerRepoRoutes() {
	if a.Accounts == nil {
		return
	}
	a.Handle("POST "+Prefix+"/user/repos", a.createUserRepo)
	a.HandleScoped("PUT", RepoScope, "/collaborators/{collaborator}", a.addCollaborator)
}

// createRepoOption is the part of Gitea's CreateRepoOption Runnerhub uses.
type createRepoOption struct {
	Name string `json:"name"`
}

func (a *API) createUserRepo(w http.ResponseWriter, r *http.Request) {
	owner, err := a.Identity.GetOwnerByID(r.Context(), Caller(r).ID)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.createRepo(w, r, owner)
}

// createOrgRepo is POST /orgs/{org}/repos; HandleScoped checked the caller owns the org.
func (a *API) createOrgRepo(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.createRepo(w, r, sc.Owner)
}

func (a *API) createRepo(w http.ResponseWriter, r *http.Request, owner *identity.Owner) {
	var in createRepoOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	repo, err := a.Accounts.CreateRepo(r.Context(), Caller(r), owner, in.Name)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, toAPIRepo(repo))
}

// addCollaboratorOption is Gitea's AddCollaboratorOption. Runnerhub knows
// only administrators, so "admin" is the one permission it grants.
type addCollaboratorOption struct {
	Permission string `json:"permission"`
}

func (a *API) addCollaborator(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	var in addCollaboratorOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	if in.Permission != "admin" {
		WriteError(w, r, fmt.Errorf("%w: permission %q: Runnerhub grants only \"admin\"", errs.InvalidArgument, in.Permission))
		return
	}
	if _, err := a.Accounts.AddRepoAdmin(r.Context(), Caller(r), sc.Repo, r.PathValue("collaborator")); err != nil {
		WriteError(w, r, errs.Missing(err, fmt.Sprintf("user %q", r.PathValue("collaborator"))))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
