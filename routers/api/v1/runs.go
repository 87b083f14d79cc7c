package v1

import (
	"fmt"
	"net/http"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/convert"
	"code.runnerhub.dev/runnerhub/services/identity"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

// registerWorkflowRoutes serves runs, jobs and webhooks: the GitHub-shaped
// reads autoscalers use, the intake, cancel, and Gitea's webhook API.
func (a *API) registerWorkflowRoutes() {
	// Writers start runs (as a push would) and cancel them.
	a.HandleScopedWrite("POST", RepoScope, "/actions/runs", a.createRun)
	// The repository's readers read its runs and jobs, as on Gitea.
	a.HandleScopedRead("GET", RepoScope, "/actions/runs", a.listRuns)
	a.HandleScopedRead("GET", RepoScope, "/actions/runs/{run}", a.getRun)
	a.HandleScopedRead("GET", RepoScope, "/actions/runs/{run}/jobs", a.listRunJobs)
	a.HandleScopedWrite("POST", RepoScope, "/actions/runs/{run}/cancel", a.cancelRun)
	a.registerJobRoutes()
	a.registerHookRoutes()
}

func (a *API) converter() *convert.Converter {
	return convert.New(a.Options.Server.RootURL, a.Identity)
}

// createRunOption is the intake's body: the workflow file and what it runs on.
type createRunOption struct {
	Workflow   string         `json:"workflow"`
	WorkflowID string         `json:"workflow_id"` // the file name, e.g. "ci.yml"; optional
	Ref        string         `json:"ref"`
	SHA        string         `json:"sha"`
	Event      string         `json:"event"`
	Inputs     map[string]any `json:"inputs"`
}

func (a *API) createRun(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	var in createRunOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	inputs, err := inputStrings(in.Inputs)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	run, _, err := a.Workflows.CreateRun(r.Context(), workflow_service.RunRequest{
		OwnerID: sc.OwnerID(), RepoID: sc.RepoID(),
		Workflow: []byte(in.Workflow), WorkflowID: in.WorkflowID,
		Ref: in.Ref, CommitSHA: in.SHA, Event: in.Event, Inputs: inputs,
		TriggerUserID: Caller(r).ID,
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeRun(w, r, http.StatusCreated, run)
}

// inputStrings takes workflow_dispatch inputs as GitHub passes them on: as
// text, whatever JSON scalar the client sent.
func inputStrings(in map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for k, v := range in {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool, float64:
			out[k] = fmt.Sprint(v)
		case nil:
			out[k] = ""
		default:
			return nil, fmt.Errorf("%w: input %q must be text, a number or a boolean", errs.InvalidArgument, k)
		}
	}
	return out, nil
}

// apiRunList is GitHub's list of workflow runs.
type apiRunList struct {
	TotalCount   int64                  `json:"total_count"`
	WorkflowRuns []*convert.WorkflowRun `json:"workflow_runs"`
}

func (a *API) listRuns(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	f, err := a.parseRunFilter(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	f.Page, f.PageSize = p.Page, p.PageSize
	runs, total, err := a.Workflows.ListRuns(r.Context(), sc.RepoID(), f)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiRunList{TotalCount: total, WorkflowRuns: make([]*convert.WorkflowRun, 0, len(runs))}
	conv := a.converter()
	for _, run := range runs {
		v, err := conv.WorkflowRun(r.Context(), run)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		out.WorkflowRuns = append(out.WorkflowRuns, v)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) getRun(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "run")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	run, err := a.Workflows.GetRun(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeRun(w, r, http.StatusOK, run)
}

func (a *API) listRunJobs(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "run")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if _, err := a.Workflows.GetRun(r.Context(), sc, id); err != nil {
		WriteError(w, r, err)
		return
	}
	f := workflow_service.JobFilter{RunID: id}
	if f.LatestAttempt, err = parseAttemptFilter(r); err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeJobs(w, r, sc, f)
}

func (a *API) cancelRun(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "run")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	run, err := a.Workflows.CancelRun(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeRun(w, r, http.StatusAccepted, run)
}

func (a *API) writeRun(w http.ResponseWriter, r *http.Request, status int, run *actions_model.Run) {
	v, err := a.converter().WorkflowRun(r.Context(), run)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, status, v)
}
