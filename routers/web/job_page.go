package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	workflow_service "code.runnerhub.dev/runnerhub/services/workflow"
)

const (
	// logRowsOnPage bounds the rows a job page shows; the raw log has all.
	logRowsOnPage = 5000
	// followRowsPerCall bounds the rows one poll of a live log returns.
	followRowsPerCall = 1000
)

// lateLogGrace is how long after its task ended a job's log may still
// grow: the runner may send its last rows after its final report.
const lateLogGrace = 30 * time.Second

// stillWriting reports whether more of the job's log may come: the job is
// not over, or its runner has not closed the log yet and may still.
func stillWriting(j *workflow_service.JobRun, now time.Time) bool {
	switch {
	case !j.Status.IsDone():
		return true
	case j.Task == nil || j.Task.LogClosed:
		return false
	}
	return now.Unix()-j.Task.Stopped < int64(lateLogGrace/time.Second)
}

// logRowView is one row of a job's log on its page.
type logRowView struct {
	Number   int64 // from 1
	Time     string
	Segments []logSegment
}

// logSectionView is one fold of a job's log: "Set up job", a step, or
// "Complete job".
type logSectionView struct {
	Index    int
	Name     string
	Status   statusView
	Duration string
	Open     bool
	Rows     []logRowView
}

// logLayout places a job's log rows in its sections: 0 is "Set up job",
// 1 to n the steps, n+1 "Complete job".
type logLayout struct {
	steps []workflow_service.StepState
	done  bool
}

func started(st workflow_service.StepState) bool {
	return st.Reported && (st.Started != 0 || st.LogLength > 0 || st.Status.IsDone() || st.Status == actions_model.StatusRunning)
}

// sectionOf is the section of row i: the step whose rows hold it; before
// the first step, setting up; after the last step that started, that step
// while it runs, else completing.
func (l logLayout) sectionOf(i int64) int {
	first, last := -1, -1
	for k, st := range l.steps {
		if st.LogLength > 0 && i >= st.LogIndex && i < st.LogIndex+st.LogLength {
			return k + 1
		}
		if started(st) {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	switch {
	case first < 0 || i < l.steps[first].LogIndex:
		return 0
	case !l.done && !l.steps[last].Status.IsDone():
		return last + 1
	}
	return len(l.steps) + 1
}

// sections describes the folds of a job's log, without rows.
func sections(j *workflow_service.JobRun, steps []workflow_service.StepState, now time.Time) []logSectionView {
	out := make([]logSectionView, 0, len(steps)+2)
	setup := logSectionView{Index: 0, Name: "Set up job", Status: viewStatus(actions_model.StatusWaiting)}
	firstStart := int64(0)
	for _, st := range steps {
		if started(st) && st.Started != 0 {
			firstStart = st.Started
			break
		}
	}
	switch {
	case j.Task == nil && j.Status.IsDone():
		setup.Status = viewStatus(actions_model.StatusSkipped)
	case j.Task == nil:
	case firstStart != 0:
		setup.Status, setup.Duration = viewStatus(actions_model.StatusSuccess), durationText(j.Task.Started, firstStart, now)
	case j.Status.IsDone():
		setup.Status = viewStatus(j.Status)
	default:
		setup.Status = viewStatus(actions_model.StatusRunning)
	}
	out = append(out, setup)
	for _, st := range steps {
		out = append(out, logSectionView{Index: st.Number, Name: visible(st.Name), Status: viewStatus(st.Status), Duration: durationText(st.Started, st.Stopped, now)})
	}
	complete := logSectionView{Index: len(steps) + 1, Name: "Complete job", Status: viewStatus(actions_model.StatusWaiting)}
	if j.Status.IsDone() {
		complete.Status = viewStatus(j.Status)
	}
	out = append(out, complete)
	for i := range out { // a part of the job not begun is pending, not queued
		if out[i].Status.Word == "queued" {
			out[i].Status = statusView{"pending", "○", "state-queued"}
		}
	}
	// Open what the reader came for: what failed or runs now.
	failedStep := false
	for _, st := range steps {
		failedStep = failedStep || st.Status == actions_model.StatusFailure
	}
	for i := range out {
		s := &out[i]
		s.Open = s.Status.Word == "running" || (s.Status.Word == "failure" && (failedStep == (i != 0 && i != len(out)-1)))
	}
	return out
}

func toLogRow(r actions_service.LogRow) logRowView {
	return logRowView{
		Number: r.Index + 1, Time: time.Unix(0, r.UnixNano).UTC().Format(actions_service.LogTimeLayout),
		Segments: ansiSegments(r.Content),
	}
}

// jobPage shows a job: its facts, why it waits, its attempts, and its log
// folded by step, followed live while the job runs.
func (w *Web) jobPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, canManage bool) {
	runID, ok1 := pathID(r, "run")
	jobID, ok2 := pathID(r, "job")
	if !ok1 || !ok2 {
		w.renderError(rw, r, http.StatusNotFound, "There is no such job.")
		return
	}
	ctx := r.Context()
	d, err := w.Workflows.GetJobDetail(ctx, sc, runID, jobID)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	now := time.Now()
	secs := sections(d.JobRun, d.Steps, now)
	var next, length int64
	if d.Task != nil {
		length = d.Task.LogLength
		rows, err := w.Workflows.ReadTaskLogRows(ctx, d.Task, 0, logRowsOnPage)
		if err != nil {
			w.renderServiceError(rw, r, err)
			return
		}
		layout := logLayout{steps: d.Steps, done: d.Status.IsDone()}
		for _, row := range rows {
			s := layout.sectionOf(row.Index)
			secs[s].Rows = append(secs[s].Rows, toLogRow(row))
		}
		next = int64(len(rows))
	}
	needs := make([]jobRow, len(d.Needs))
	for i, n := range d.Needs {
		needs[i] = toJobRow(sc.Repo, n, now)
	}
	type attemptLink struct {
		Attempt int64
		URL     string
		Status  statusView
		Current bool
	}
	attempts := make([]attemptLink, len(d.Attempts))
	for i, a := range d.Attempts {
		attempts[i] = attemptLink{Attempt: a.Attempt, URL: jobURL(sc.Repo, a.RunID, a.ID), Status: viewStatus(a.Status), Current: a.ID == d.ID}
	}
	job := toJobRow(sc.Repo, d.JobRun, now)
	data := map[string]any{
		"Title": job.Name + " · " + visible(runTitle(d.Run)) + " #" + strconv.FormatInt(d.Run.Number, 10), "Repo": sc.Repo.FullName(),
		"RepoURL": repoURL(sc.Repo), "ActionsURL": actionsURL(sc.Repo), "RunURL": runURL(sc.Repo, d.RunID), "JobURL": job.URL,
		"RunTitle": visible(runTitle(d.Run)), "RunNumber": d.Run.Number, "Job": job, "Needs": needs, "Attempts": attempts,
		"Sections": secs, "HasLog": d.Task != nil, "LogLength": length, "Next": next, "Cap": logRowsOnPage,
		"Truncated": length > logRowsOnPage, "Live": stillWriting(d.JobRun, now), "Over": d.Status.IsDone(), "Queued": d.Queued, "CanManage": canManage,
		"RunDone": d.Run.Status.IsDone(), "Scripts": []string{"/assets/job.js"},
	}
	if d.Queued != 0 && d.Started != 0 {
		data["PickupWait"] = durationText(d.Queued, d.Started, now)
	}
	if d.Wait != nil {
		data["Wait"] = w.waitView(r, d.Wait.QueueGroup, d.Wait.Ahead, now)
	}
	w.render(rw, r, http.StatusOK, "job", data)
}

// followAnswer is one poll of a live log: the rows after the last one the
// page has, where they go, and how the job and its steps stand.
type followAnswer struct {
	Status    string          `json:"status"`
	Done      bool            `json:"done"` // the job is over: nothing more comes once More is false
	Next      int64           `json:"next"` // ask from here next time
	More      bool            `json:"more"` // more rows are there already: ask again at once
	Truncated bool            `json:"truncated"`
	Sections  []followSection `json:"sections"`
	Rows      []followRow     `json:"rows"`
}

type followSection struct {
	Index    int    `json:"i"`
	Word     string `json:"word"`
	Mark     string `json:"mark"`
	Class    string `json:"class"`
	Duration string `json:"duration"`
}

type followRow struct {
	Number   int64        `json:"n"`
	Section  int          `json:"s"`
	Time     string       `json:"time"`
	Segments []logSegment `json:"seg"`
}

// followLog answers the job page's polls: GET …/log.json?from=N.
func (w *Web) followLog(rw http.ResponseWriter, r *http.Request, sc identity.Scope, _ bool) {
	runID, ok1 := pathID(r, "run")
	jobID, ok2 := pathID(r, "job")
	from, err := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	if !ok1 || !ok2 {
		w.renderError(rw, r, http.StatusNotFound, "There is no such job.")
		return
	}
	if err != nil || from < 0 {
		w.renderError(rw, r, http.StatusBadRequest, "from must be a row index, 0 or more.")
		return
	}
	j, steps, err := w.Workflows.GetJobProgress(r.Context(), sc, runID, jobID)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	now := time.Now()
	a := followAnswer{Status: viewStatus(j.Status).Word, Done: !stillWriting(j, now), Next: from, Sections: []followSection{}, Rows: []followRow{}}
	for _, s := range sections(j, steps, now) {
		a.Sections = append(a.Sections, followSection{Index: s.Index, Word: s.Status.Word, Mark: s.Status.Mark, Class: s.Status.Class, Duration: s.Duration})
	}
	if limit := min(followRowsPerCall, logRowsOnPage-from); j.Task != nil && limit > 0 {
		rows, err := w.Workflows.ReadTaskLogRows(r.Context(), j.Task, from, int(limit))
		if err != nil {
			w.renderServiceError(rw, r, err)
			return
		}
		layout := logLayout{steps: steps, done: j.Status.IsDone()}
		for _, row := range rows {
			v := toLogRow(row)
			a.Rows = append(a.Rows, followRow{Number: v.Number, Section: layout.sectionOf(row.Index), Time: v.Time, Segments: v.Segments})
		}
		a.Next = from + int64(len(rows))
		a.More = len(rows) == int(limit) && a.Next < logRowsOnPage
	}
	a.Truncated = j.Task != nil && a.Next >= logRowsOnPage && j.Task.LogLength > logRowsOnPage
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.Header().Set("Cache-Control", "no-store")
	if err := json.NewEncoder(rw).Encode(a); err != nil {
		slog.WarnContext(r.Context(), "write log poll", "err", err)
	}
}

// waitView says in words why a job, or a queue group, waits.
type waitSummary struct {
	Headline string
	Reason   string
	Closest  []closeRunner
	Labels   []string
	Ahead    int64
	Age      string
}

type closeRunner struct {
	Name, State string
	Missing     []string
}

func (w *Web) waitView(_ *http.Request, g *actions_service.QueueGroup, ahead int64, now time.Time) waitSummary {
	v := waitSummary{Reason: g.Reason, Labels: visibleAll(g.Labels), Ahead: ahead}
	if g.Oldest != 0 {
		v.Age = durationText(g.Oldest, 0, now)
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return fmt.Sprintf(many, n)
	}
	switch g.Reason {
	case actions_service.QueueReady:
		v.Headline = plural(g.Idle, "An idle runner can take this; it starts at the runner's next poll.", "%d idle runners can take this; it starts at their next poll.")
	case actions_service.QueueBusy:
		v.Headline = plural(g.Busy, "The one runner that can take this is busy; it waits for it to finish its job.", "All %d runners that can take this are busy; it waits for one to finish its job.")
	case actions_service.QueueUnavailable:
		v.Headline = plural(g.Unavailable, "No online runner can take this: the one runner with these labels is offline, disabled or used up.",
			"No online runner can take this: the %d runners with these labels are offline, disabled or used up.")
	default:
		v.Headline = "No runner that may serve this repository has all of these labels. Register one with them, or change the job's runs-on."
	}
	for _, f := range g.Closest {
		v.Closest = append(v.Closest, closeRunner{Name: visible(f.Runner.Name), State: fitState(f, now), Missing: visibleAll(f.Missing)})
	}
	return v
}

// fitState says in a few words where a runner stands.
func fitState(f actions_service.RunnerFit, now time.Time) string {
	switch {
	case f.Runner.Disabled:
		return "disabled"
	case f.Used:
		return "ephemeral, already took its one job"
	case !f.Online && f.Runner.LastOnline == 0:
		return "offline, never connected"
	case !f.Online:
		return "offline for " + durationText(f.Runner.LastOnline, 0, now)
	case f.Busy:
		return "online, busy"
	}
	return "online, idle"
}
