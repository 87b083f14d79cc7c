package v1

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/convert"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// queueJobsPerGroup is how many of a group's oldest jobs the queue lists.
const queueJobsPerGroup = 10

// registerQueueRoutes serves each scope's queue to its managers: why the
// waiting jobs wait, and the sampled queue over the last hours.
func (a *API) registerQueueRoutes() {
	a.HandleScoped("GET", AllScopes, "/actions/queue", a.getQueue)
}

type apiQueue struct {
	TotalCount int64             `json:"total_count"` // jobs waiting
	Runners    int               `json:"runners"`     // runners that may serve the scope
	Groups     []apiQueueGroup   `json:"groups"`
	History    []apiQueueHistory `json:"history"`
}

type apiQueueGroup struct {
	Labels             []string               `json:"labels"`
	Count              int64                  `json:"count"`
	OldestQueuedAt     string                 `json:"oldest_queued_at"`
	Reason             string                 `json:"reason"` // ready, busy, unavailable, no_match
	IdleRunners        int                    `json:"idle_runners"`
	BusyRunners        int                    `json:"busy_runners"`
	UnavailableRunners int                    `json:"unavailable_runners"`
	Repositories       []apiQueueRepo         `json:"repositories"`
	Jobs               []*convert.WorkflowJob `json:"jobs"` // the oldest few
	ClosestRunners     []apiRunnerFit         `json:"closest_runners"`
}

type apiQueueRepo struct {
	ID             int64  `json:"id"`
	FullName       string `json:"full_name"`
	Count          int64  `json:"count"`
	OldestQueuedAt string `json:"oldest_queued_at"`
}

type apiRunnerFit struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Status        string   `json:"status"` // online, offline
	Busy          bool     `json:"busy"`
	Disabled      bool     `json:"disabled"`
	UsedUp        bool     `json:"used_up"` // ephemeral, and it took its job
	MissingLabels []string `json:"missing_labels"`
}

type apiQueueHistory struct {
	At                 string  `json:"at"`
	Waiting            int64   `json:"waiting"`
	PickedUp           int64   `json:"picked_up"`
	AvgWaitSeconds     float64 `json:"avg_wait_seconds"`
	LongestWaitSeconds float64 `json:"longest_wait_seconds"`
}

func (a *API) getQueue(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	span, err := parseHours(r, a.Actions.QueueSampleRetention())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	q, err := a.Actions.Queue(r.Context(), sc, queueJobsPerGroup)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	history, err := a.Actions.QueueHistory(r.Context(), sc, span)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiQueue{TotalCount: q.Count, Runners: q.Runners, Groups: []apiQueueGroup{}, History: []apiQueueHistory{}}
	conv := a.converter()
	for _, g := range q.Groups {
		jobs, err := conv.WorkflowJobs(r.Context(), g.Jobs)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		v := apiQueueGroup{Labels: g.Labels, Count: g.Count, OldestQueuedAt: unixText(g.Oldest), Reason: g.Reason,
			IdleRunners: g.Idle, BusyRunners: g.Busy, UnavailableRunners: g.Unavailable, Jobs: jobs,
			Repositories: []apiQueueRepo{}, ClosestRunners: []apiRunnerFit{}}
		for _, repo := range g.Repos {
			name := ""
			if rp, err := a.Identity.GetRepoByID(r.Context(), repo.RepoID); err == nil {
				name = rp.FullName()
			}
			v.Repositories = append(v.Repositories, apiQueueRepo{ID: repo.RepoID, FullName: name, Count: repo.Count, OldestQueuedAt: unixText(repo.Oldest)})
		}
		for _, f := range g.Closest {
			v.ClosestRunners = append(v.ClosestRunners, toAPIRunnerFit(f))
		}
		out.Groups = append(out.Groups, v)
	}
	for _, p := range history {
		out.History = append(out.History, apiQueueHistory{At: p.At.Format(time.RFC3339), Waiting: p.Waiting, PickedUp: p.Picked,
			AvgWaitSeconds: p.AvgWait.Seconds(), LongestWaitSeconds: p.LongestWait.Seconds()})
	}
	WriteJSON(w, http.StatusOK, out)
}

func toAPIRunnerFit(f actions_service.RunnerFit) apiRunnerFit {
	status := "offline"
	if f.Online {
		status = "online"
	}
	missing := f.Missing
	if missing == nil {
		missing = []string{}
	}
	return apiRunnerFit{ID: f.Runner.ID, Name: f.Runner.Name, Status: status, Busy: f.Busy, Disabled: f.Runner.Disabled, UsedUp: f.Used, MissingLabels: missing}
}

// parseHours reads ?hours= (1 up to the samples' retention; 6 by default).
func parseHours(r *http.Request, retention time.Duration) (time.Duration, error) {
	most := max(int(retention/time.Hour), 1)
	s := r.URL.Query().Get("hours")
	if s == "" {
		return time.Duration(min(6, most)) * time.Hour, nil
	}
	h, err := strconv.Atoi(s)
	if err != nil || h < 1 || h > most {
		return 0, fmt.Errorf("%w: hours must be a whole number from 1 to %d", errs.InvalidArgument, most)
	}
	return time.Duration(h) * time.Hour, nil
}

func unixText(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }
