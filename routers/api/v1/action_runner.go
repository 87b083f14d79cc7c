package v1

import (
	"fmt"
	"net/http"
	"strings"

	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// apiRunner is Gitea's ActionRunner JSON.
type apiRunner struct {
	ID        int64            `json:"id"`
	Name      string           `json:"name"`
	Status    string           `json:"status"` // online or offline
	Busy      bool             `json:"busy"`
	Disabled  bool             `json:"disabled"`
	Ephemeral bool             `json:"ephemeral"`
	Labels    []apiRunnerLabel `json:"labels"`
	Version   string           `json:"version"`
	// The runner group; absent for a repository runner, which is in none.
	RunnerGroupID   *int64  `json:"runner_group_id,omitempty"`
	RunnerGroupName *string `json:"runner_group_name,omitempty"`
}

type apiRunnerLabel struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type apiRunnerList struct {
	Runners    []apiRunner `json:"runners"`
	TotalCount int64       `json:"total_count"`
}

func toAPIRunner(r *actions_service.RunnerInfo) apiRunner {
	status := "offline"
	if r.Online {
		status = "online"
	}
	// Labels are named up to the first colon; what follows tells act_runner
	// how to run the job (e.g. "ubuntu-latest:docker://node:20"). Gitea numbers
	// them in order and calls them all custom.
	labels := make([]apiRunnerLabel, 0, len(r.LabelList()))
	for i, l := range r.LabelList() {
		name, _, _ := strings.Cut(l, ":")
		labels = append(labels, apiRunnerLabel{ID: int64(i), Name: name, Type: "custom"})
	}
	out := apiRunner{
		ID: r.ID, Name: r.Name, Status: status, Busy: r.Busy(), Disabled: r.Disabled,
		Ephemeral: r.Ephemeral, Labels: labels, Version: r.Version,
	}
	if r.Group != nil {
		out.RunnerGroupID, out.RunnerGroupName = &r.Group.ID, &r.Group.Name
	}
	return out
}

func (a *API) registerRunnerRoutes() {
	a.HandleScoped("GET", AllScopes, "/actions/runners", a.listRunners)
	// The managers of a runner's group may read, disable and delete it too.
	a.HandleRunnerScoped("GET", AllScopes, "/actions/runners/{id}", a.getRunner)
	a.HandleRunnerScoped("PATCH", AllScopes, "/actions/runners/{id}", a.editRunner)
	a.HandleRunnerScoped("DELETE", AllScopes, "/actions/runners/{id}", a.deleteRunner)
}

// listRunners takes Gitea's ?disabled=true|false and GitHub's ?name=.
func (a *API) listRunners(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	f := actions_service.RunnerFilter{Page: p.Page, PageSize: p.PageSize}
	q := r.URL.Query()
	if f.Disabled, err = boolParam(q, "disabled"); err == nil {
		f.Name, err = singleParam(q, "name")
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	rs, total, err := a.Actions.ListRunners(r.Context(), sc, f)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiRunnerList{Runners: make([]apiRunner, len(rs)), TotalCount: total}
	for i, rn := range rs {
		out.Runners[i] = toAPIRunner(rn)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) getRunner(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	rn, err := a.Actions.GetRunner(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, toAPIRunner(rn))
}

// editRunnerOption is Gitea's EditActionRunnerOption: only "disabled" can change.
type editRunnerOption struct {
	Disabled *bool `json:"disabled"`
}

func (a *API) editRunner(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var in editRunnerOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	if in.Disabled == nil {
		WriteError(w, r, fmt.Errorf("%w: \"disabled\" is required", errs.InvalidArgument))
		return
	}
	rn, err := a.Actions.SetRunnerDisabled(r.Context(), sc, id, *in.Disabled)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, toAPIRunner(rn))
}

func (a *API) deleteRunner(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := a.Actions.DeleteRunner(r.Context(), sc, id); err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
