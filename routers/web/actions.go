package web

import (
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

const runsPerPage = 30

// registerActionsPages serves a repository's runs where the API's and the
// webhooks' html_url point: the list, a run, a job with its log.
func (w *Web) registerActionsPages(mux *http.ServeMux) {
	w.handleRepo(mux, "GET", "/actions", w.runsPage)
	w.handleRepo(mux, "GET", "/actions/runs/{run}", w.runPage)
	w.handleRepo(mux, "POST", "/actions/runs/{run}/{op}", w.runAction)
	w.handleRepo(mux, "GET", "/actions/runs/{run}/jobs/{job}", w.jobPage)
	w.handleRepo(mux, "POST", "/actions/runs/{run}/jobs/{job}/{op}", w.jobAction)
	w.handleRepo(mux, "GET", "/actions/runs/{run}/jobs/{job}/logs", w.rawLog)
	w.handleRepo(mux, "GET", "/actions/runs/{run}/jobs/{job}/log.json", w.followLog)
}

// runStatusFilters are the ?status= values of the runs list, the API's.
var runStatusFilters = []struct {
	Name     string
	Statuses []actions_model.Status
}{
	{"queued", []actions_model.Status{actions_model.StatusWaiting}},
	{"in_progress", []actions_model.Status{actions_model.StatusRunning}},
	{"completed", []actions_model.Status{actions_model.StatusSuccess, actions_model.StatusFailure, actions_model.StatusCancelled, actions_model.StatusSkipped}},
	{"success", []actions_model.Status{actions_model.StatusSuccess}},
	{"failure", []actions_model.Status{actions_model.StatusFailure}},
	{"cancelled", []actions_model.Status{actions_model.StatusCancelled}},
}

// runRow is a run as the list shows it.
type runRow struct {
	Number, Attempt           int64
	URL, Title, Workflow, Ref string
	SHA, Event                string
	Status                    statusView
	Created                   int64
	Duration                  string
}

var runFlashes = map[string]string{
	"cancelled":         "The run was cancelled; jobs under way stop at their runner's next report.",
	"rerun":             "Every job of the run was queued again, as a new attempt.",
	"rerun-failed-jobs": "The failed and cancelled jobs, and the jobs that need them, were queued again as a new attempt.",
	"job-rerun":         "The job, and the jobs that need it, were queued again as a new attempt.",
	"job-cancelled":     "The job was cancelled.",
}

func (w *Web) runsPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, canManage bool) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	var statuses []actions_model.Status
	if s := q.Get("status"); s != "" {
		for _, f := range runStatusFilters {
			if f.Name == s {
				statuses = f.Statuses
			}
		}
		if statuses == nil {
			w.renderError(rw, r, http.StatusUnprocessableEntity, "Unknown status filter "+strconv.Quote(s)+".")
			return
		}
	}
	runs, total, err := w.Workflows.ListRuns(r.Context(), sc.RepoID(), workflow_service.RunFilter{Statuses: statuses, Page: page, PageSize: runsPerPage})
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	now := time.Now()
	rows := make([]runRow, len(runs))
	for i, run := range runs {
		rows[i] = runRow{
			Number: run.Number, Attempt: run.Attempt, URL: runURL(sc.Repo, run.ID), Title: visible(runTitle(run)), Workflow: visible(run.WorkflowID),
			Ref: visible(branchOf(run.Ref)), SHA: shortSHA(run.CommitSHA), Event: visible(run.Event), Status: viewStatus(run.Status),
			Created: run.Created, Duration: durationText(run.Started, run.Stopped, now),
		}
	}
	filters := make([]string, len(runStatusFilters))
	for i, f := range runStatusFilters {
		filters[i] = f.Name
	}
	data := map[string]any{
		"Title": "Actions · " + sc.Repo.FullName(), "Repo": sc.Repo.FullName(), "RepoURL": repoURL(sc.Repo), "ActionsURL": actionsURL(sc.Repo),
		"Runs": rows, "Total": total, "Filters": filters, "Status": q.Get("status"), "CanManage": canManage,
		"RunnersURL": runnersURL(sc), "QueueURL": queueURL(runnersURL(sc)),
	}
	if page > 1 {
		data["PrevURL"] = pageURL(actionsURL(sc.Repo), q.Get("status"), page-1)
	}
	if int64(page*runsPerPage) < total {
		data["NextURL"] = pageURL(actionsURL(sc.Repo), q.Get("status"), page+1)
	}
	w.render(rw, r, http.StatusOK, "runs", data)
}

func pageURL(base, status string, page int) string {
	u := base + "?page=" + strconv.Itoa(page)
	if status != "" {
		u += "&status=" + status // one of runStatusFilters: nothing to escape
	}
	return u
}

// jobRow is a job as the run page lists it.
type jobRow struct {
	ID, Attempt       int64
	URL, Name, Runner string
	Needs, Labels     []string
	Status            statusView
	Started           int64
	Duration          string
}

func toJobRow(repo *identity.Repo, j *workflow_service.JobRun, now time.Time) jobRow {
	row := jobRow{
		ID: j.ID, Attempt: j.Attempt, URL: jobURL(repo, j.RunID, j.ID), Name: visible(j.Name),
		Needs: visibleAll(j.NeedList()), Labels: visibleAll(j.RunsOnList()), Status: viewStatus(j.Status),
		Started: j.Started, Duration: durationText(j.Started, j.Stopped, now),
	}
	if j.Runner != nil {
		row.Runner = visible(j.Runner.Name)
		if j.Runner.IsDeleted() {
			row.Runner += " (removed)"
		}
	}
	return row
}

func (w *Web) runPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, canManage bool) {
	id, ok := pathID(r, "run")
	if !ok {
		w.renderError(rw, r, http.StatusNotFound, "There is no such run.")
		return
	}
	d, err := w.Workflows.GetRunDetail(r.Context(), sc, id)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	now := time.Now()
	jobs := make([]jobRow, len(d.Jobs))
	var failed bool
	for i, j := range d.Jobs {
		jobs[i] = toJobRow(sc.Repo, j, now)
		failed = failed || j.Status == actions_model.StatusFailure || j.Status == actions_model.StatusCancelled
	}
	earlier := make([]jobRow, len(d.Earlier))
	for i, j := range d.Earlier {
		earlier[i] = toJobRow(sc.Repo, j, now)
	}
	run := d.Run
	w.render(rw, r, http.StatusOK, "run", map[string]any{
		"Title": fmt.Sprintf("%s #%d", visible(runTitle(run)), run.Number), "Repo": sc.Repo.FullName(), "RepoURL": repoURL(sc.Repo),
		"ActionsURL": actionsURL(sc.Repo), "RunURL": runURL(sc.Repo, run.ID), "Flash": runFlashes[r.URL.Query().Get("done")],
		"Run": runRow{
			Number: run.Number, Attempt: run.Attempt, Title: visible(runTitle(run)), Workflow: visible(run.WorkflowID),
			Ref: visible(run.Ref), SHA: visible(run.CommitSHA), Event: visible(run.Event), Status: viewStatus(run.Status),
			Created: run.Created, Duration: durationText(run.Started, run.Stopped, now),
		},
		"Jobs": jobs, "Earlier": earlier, "CanManage": canManage, "Done": run.Status.IsDone(), "HasFailed": failed,
	})
}

// runAction cancels or re-runs a run, and goes back to it.
func (w *Web) runAction(rw http.ResponseWriter, r *http.Request, sc identity.Scope, _ bool) {
	id, ok := pathID(r, "run")
	if !ok {
		w.renderError(rw, r, http.StatusNotFound, "There is no such run.")
		return
	}
	var err error
	switch r.PathValue("op") {
	case "cancel":
		_, err = w.Workflows.CancelRun(r.Context(), sc, id)
	case "rerun":
		_, err = w.Workflows.RerunRun(r.Context(), sc, id)
	case "rerun-failed-jobs":
		_, err = w.Workflows.RerunFailedJobs(r.Context(), sc, id)
	default:
		w.renderError(rw, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	done := r.PathValue("op")
	if done == "cancel" {
		done = "cancelled"
	}
	http.Redirect(rw, r, runURL(sc.Repo, id)+"?done="+done, http.StatusSeeOther)
}

// jobAction re-runs or cancels one job, and goes back to its run.
func (w *Web) jobAction(rw http.ResponseWriter, r *http.Request, sc identity.Scope, _ bool) {
	runID, ok1 := pathID(r, "run")
	jobID, ok2 := pathID(r, "job")
	if !ok1 || !ok2 {
		w.renderError(rw, r, http.StatusNotFound, "There is no such job.")
		return
	}
	var err error
	var done string
	switch r.PathValue("op") {
	case "rerun":
		_, err = w.Workflows.RerunJob(r.Context(), sc, runID, jobID)
		done = "job-rerun"
	case "cancel":
		if _, _, err = w.Workflows.GetJobProgress(r.Context(), sc, runID, jobID); err == nil {
			_, err = w.Workflows.CancelJob(r.Context(), sc, jobID)
		}
		done = "job-cancelled"
	default:
		w.renderError(rw, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.Redirect(rw, r, runURL(sc.Repo, runID)+"?done="+done, http.StatusSeeOther)
}

// rawLog streams a job's log as text, to read in the browser.
func (w *Web) rawLog(rw http.ResponseWriter, r *http.Request, sc identity.Scope, _ bool) {
	l, ok := w.jobLog(rw, r, sc)
	if !ok {
		return
	}
	hdr := rw.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	if d := mime.FormatMediaType("inline", map[string]string{"filename": l.FileName()}); d != "" {
		hdr.Set("Content-Disposition", d)
	}
	hdr.Set("Cache-Control", "no-store")
	if err := w.Workflows.WriteJobLogText(r.Context(), l, rw, http.NewResponseController(rw).Flush); err != nil {
		slog.WarnContext(r.Context(), "job log cut short", "job", l.Job.ID, "err", err)
	}
}

// jobLog finds the log of the job the path names, or answers why not.
func (w *Web) jobLog(rw http.ResponseWriter, r *http.Request, sc identity.Scope) (*workflow_service.JobLog, bool) {
	runID, ok1 := pathID(r, "run")
	jobID, ok2 := pathID(r, "job")
	if !ok1 || !ok2 {
		w.renderError(rw, r, http.StatusNotFound, "There is no such job.")
		return nil, false
	}
	l, err := w.Workflows.GetJobLog(r.Context(), sc, jobID)
	if err == nil && l.Job.RunID != runID {
		err = errs.NotFound
	}
	if err != nil {
		w.renderServiceError(rw, r, err)
		return nil, false
	}
	return l, true
}

func branchOf(ref string) string {
	const heads = "refs/heads/"
	if len(ref) > len(heads) && ref[:len(heads)] == heads {
		return ref[len(heads):]
	}
	return ref
}

// runTitle names a run: its workflow's name, else its file.
func runTitle(run *actions_model.Run) string {
	if run.Title != "" {
		return run.Title
	}
	return run.WorkflowID
}
