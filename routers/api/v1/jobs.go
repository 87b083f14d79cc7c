package v1

import (
	"net/http"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/services/convert"
	"code.runnerhub.dev/runnerhub/services/identity"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

func (a *API) registerJobRoutes() {
	a.HandleScopedRead("GET", RepoScope, "/actions/jobs/{job}", a.getJob)
	a.HandleScopedWrite("POST", RepoScope, "/actions/jobs/{job}/cancel", a.cancelJob)
	// The scope's queue: ?status=queued&labels=linux,x64 is what an
	// autoscaler with runners of those labels would have to start for. A
	// repository's readers read its jobs; an owner's or the instance's
	// jobs are their managers'.
	a.HandleScopedRead("GET", RepoScope, "/actions/jobs", a.listJobs)
	a.HandleScoped("GET", AdminScope|OrgScope|UserScope, "/actions/jobs", a.listJobs)
}

// apiJobList is GitHub's list of workflow jobs.
type apiJobList struct {
	TotalCount int64                  `json:"total_count"`
	Jobs       []*convert.WorkflowJob `json:"jobs"`
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "job")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	job, err := a.Workflows.GetJob(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeJob(w, r, http.StatusOK, job)
}

func (a *API) cancelJob(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "job")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	job, err := a.Workflows.CancelJob(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeJob(w, r, http.StatusAccepted, job)
}

func (a *API) writeJob(w http.ResponseWriter, r *http.Request, status int, job *actions_model.RunJob) {
	v, err := a.converter().WorkflowJob(r.Context(), job, nil, nil)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, status, v)
}

func (a *API) listJobs(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	f := workflow_service.JobFilter{}
	labels, err := listParam(r.URL.Query(), "labels")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	for _, l := range labels { // comma-separated, and the parameter repeated
		f.Labels = append(f.Labels, strings.Split(l, ",")...)
	}
	a.writeJobs(w, r, sc, f)
}

// writeJobs answers with a page of the scope's jobs that pass f and ?status=.
func (a *API) writeJobs(w http.ResponseWriter, r *http.Request, sc identity.Scope, f workflow_service.JobFilter) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if f.Statuses, err = statusParam(r.URL.Query()); err != nil {
		WriteError(w, r, err)
		return
	}
	f.Page, f.PageSize = p.Page, p.PageSize
	jobs, total, err := a.Workflows.ListJobs(r.Context(), sc, f)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	views, err := a.converter().WorkflowJobs(r.Context(), jobs)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, apiJobList{TotalCount: total, Jobs: views})
}
