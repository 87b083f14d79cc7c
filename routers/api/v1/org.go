package v1

import (
	"fmt"
	"net/http"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// apiOrg is Gitea's Organization JSON, the fields Runnerhub knows.
type apiOrg struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	UserName string `json:"username"`
	FullName string `json:"full_name"`
}

func toAPIOrg(o *identity.Owner) apiOrg {
	return apiOrg{ID: o.ID, Name: o.Name, UserName: o.Name, FullName: o.Name}
}

// registerOrgRoutes serves the standalone account routes for organizations.
func (a *API) registerOrgRoutes() {
	if a.Accounts == nil {
		return
	}
	a.Handle("POST "+Prefix+"/orgs", a.createOrg)
	a.HandleScoped("POST", OrgScope, "/repos", a.createOrgRepo)
}

// createOrgOption is Gitea's CreateOrgOption; "name" is accepted for "username".
type createOrgOption struct {
	UserName string `json:"username"`
	Name     string `json:"name"`
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request) {
	var in createOrgOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	name := in.UserName
	if name == "" {
		name = in.Name
	}
	if name == "" {
		WriteError(w, r, fmt.Errorf("%w: \"username\" is required", errs.InvalidArgument))
		return
	}
	o, err := a.Accounts.CreateOrg(r.Context(), Caller(r), name)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, toAPIOrg(o))
}
