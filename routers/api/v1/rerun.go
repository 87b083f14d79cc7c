package v1

import (
	"fmt"
	"net/http"
	"strconv"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// registerRerunRoutes serves re-runs as GitHub names them (and Gitea's
// path for one job of a run). Each starts a new attempt of a finished run
// and answers 201 with the run; a run still under way is 409. The
// repository's writers may.
func (a *API) registerRerunRoutes() {
	a.HandleScopedWrite("POST", RepoScope, "/actions/runs/{run}/rerun", a.rerunRun)
	a.HandleScopedWrite("POST", RepoScope, "/actions/runs/{run}/rerun-failed-jobs", a.rerunFailedJobs)
	a.HandleScopedWrite("POST", RepoScope, "/actions/runs/{run}/jobs/{job}/rerun", a.rerunJob)
	a.HandleScopedWrite("POST", RepoScope, "/actions/jobs/{job}/rerun", a.rerunJob)
}

func (a *API) rerunRun(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "run")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	run, err := a.Workflows.RerunRun(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeRun(w, r, http.StatusCreated, run)
}

func (a *API) rerunFailedJobs(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "run")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	run, err := a.Workflows.RerunFailedJobs(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeRun(w, r, http.StatusCreated, run)
}

// rerunJob serves both paths; the run, when the path names one, must be the job's.
func (a *API) rerunJob(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	var runID int64
	if r.PathValue("run") != "" {
		var err error
		if runID, err = PathID(r, "run"); err != nil {
			WriteError(w, r, err)
			return
		}
	}
	jobID, err := PathID(r, "job")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	run, err := a.Workflows.RerunJob(r.Context(), sc, runID, jobID)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	a.writeRun(w, r, http.StatusCreated, run)
}

// parseAttemptFilter reads GitHub's ?filter= of a run's jobs: "latest" (the
// default) lists the latest attempt of each job, "all" every attempt's.
func parseAttemptFilter(r *http.Request) (latest bool, err error) {
	switch f := r.URL.Query().Get("filter"); f {
	case "", "latest":
		return true, nil
	case "all":
		return false, nil
	default:
		return false, fmt.Errorf("%w: filter %s is not one of latest, all", errs.InvalidArgument, strconv.Quote(f))
	}
}
