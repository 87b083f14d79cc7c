package v1

import (
	"fmt"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// apiRepo is Gitea's Repository JSON, the fields Runnerhub knows. A
// repository is seen only by those who may read it, so it is private.
// KEDA's github-runner scaler reads name from the lists.
type apiRepo struct {
	ID          int64           `json:"id"`
	Owner       apiUser         `json:"owner"`
	Name        string          `json:"name"`
	FullName    string          `json:"full_name"`
	Description string          `json:"description"`
	Private     bool            `json:"private"`
	Fork        bool            `json:"fork"`
	Mirror      bool            `json:"mirror"`
	Archived    bool            `json:"archived"`
	HTMLURL     string          `json:"html_url"`
	URL         string          `json:"url"`
	HasActions  bool            `json:"has_actions"`
	Permissions *apiPermissions `json:"permissions,omitempty"` // the caller's; on GET /repos/{o}/{r}
}

// apiPermissions is Gitea's (and GitHub's) permission of the caller.
type apiPermissions struct {
	Admin bool `json:"admin"`
	Push  bool `json:"push"`
	Pull  bool `json:"pull"`
}

func (a *API) toAPIRepo(r *identity.Repo, access *identity.AccessMode) apiRepo {
	full := r.FullName()
	out := apiRepo{
		ID: r.ID, Name: r.Name, FullName: full, Owner: apiUser{ID: r.Owner.ID, Login: r.Owner.Name, UserName: r.Owner.Name},
		Private: true, HasActions: true,
		HTMLURL: a.Options.Server.RootURL + full, URL: a.Options.Server.RootURL + "api/v1/repos/" + full,
	}
	if access != nil {
		m := *access
		out.Permissions = &apiPermissions{Admin: m >= identity.AccessAdmin, Push: m >= identity.AccessWrite, Pull: m >= identity.AccessRead}
	}
	return out
}

// registerRepoRoutes serves the standalone account routes for repositories.
// A host with its own accounts serves these itself.
func (a *API) registerRepoRoutes() {
	if a.Accounts == nil {
		return
	}
	a.Handle("POST "+Prefix+"/user/repos", a.createUserRepo)
	a.HandleScopedRead("GET", RepoScope, "", a.getRepo)
	// The repositories the caller may read: all of theirs, of one owner.
	a.Handle("GET "+Prefix+"/user/repos", a.listRepos(""))
	a.Handle("GET "+Prefix+"/users/{username}/repos", a.listRepos("username"))
	a.Handle("GET "+Prefix+"/orgs/{org}/repos", a.listRepos("org"))
	a.HandleScoped("PUT", RepoScope, "/collaborators/{collaborator}", a.addCollaborator)
	a.HandleScoped("DELETE", RepoScope, "/collaborators/{collaborator}", a.removeCollaborator)
}

func (a *API) getRepo(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	mode, err := identity.AccessOf(r.Context(), a.Identity, Caller(r), sc)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.toAPIRepo(sc.Repo, &mode))
}

// listRepos lists, a page at a time, the repositories the caller may read:
// of the owner the path names by ownerKey, or all of them when it is "".
// An organization or user whose repositories the caller may not read
// answers an empty list, as Gitea's does for private ones.
func (a *API) listRepos(ownerKey string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := a.ParsePagination(r)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		var owner *identity.Owner
		if ownerKey != "" {
			name := r.PathValue(ownerKey)
			if owner, err = a.Identity.GetOwnerByName(r.Context(), name); err == nil && ownerKey == "org" && !owner.IsOrg {
				err = fmt.Errorf("%w: %s is a user, not an organization", errs.NotFound, name)
			}
			if err != nil {
				WriteError(w, r, errs.Missing(err, fmt.Sprintf("owner %q", name)))
				return
			}
		}
		repos, total, err := a.Accounts.ReadableRepos(r.Context(), Caller(r), owner, p.DB())
		if err != nil {
			WriteError(w, r, err)
			return
		}
		out := make([]apiRepo, len(repos))
		for i, repo := range repos {
			out[i] = a.toAPIRepo(repo, nil)
		}
		a.SetPage(w, r, p, total)
		WriteJSON(w, http.StatusOK, out)
	}
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
	WriteJSON(w, http.StatusCreated, a.toAPIRepo(repo, nil))
}

// addCollaboratorOption is Gitea's AddCollaboratorOption: permission is
// read, write or admin; absent, Gitea's default, write.
type addCollaboratorOption struct {
	Permission *string `json:"permission"`
}

// addCollaborator grants a user access to the repository (or changes it),
// as Gitea's PUT /repos/{o}/{r}/collaborators/{user} does.
func (a *API) addCollaborator(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	in := addCollaboratorOption{}
	if r.ContentLength != 0 { // Gitea's clients may send no body at all
		if err := a.DecodeJSON(w, r, &in); err != nil {
			WriteError(w, r, err)
			return
		}
	}
	mode := identity.AccessWrite
	if in.Permission != nil {
		var err error
		if mode, err = identity.ParseAccessMode(*in.Permission); err != nil {
			WriteError(w, r, err)
			return
		}
	}
	name := r.PathValue("collaborator")
	if _, err := a.Accounts.SetCollaborator(r.Context(), Caller(r), sc.Repo, name, mode); err != nil {
		WriteError(w, r, errs.Missing(err, fmt.Sprintf("user %q", name)))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) removeCollaborator(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	name := r.PathValue("collaborator")
	if err := a.Accounts.RemoveCollaborator(r.Context(), Caller(r), sc.Repo, name); err != nil {
		WriteError(w, r, errs.Missing(err, fmt.Sprintf("user %q", name)))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
