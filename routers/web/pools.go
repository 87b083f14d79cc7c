package web

import (
	"net/http"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// The Pools page sits beside each scope's Runners page: …/actions/pools.
// It shows the pools of the built-in provisioner whose scope lies in the
// page's: all of them to instance admins, an owner's to the owner.
func (w *Web) registerPoolPages(mux *http.ServeMux) {
	w.handleScoped(mux, "GET", "/actions/pools", w.poolsPage)
}

// poolsURL is the Pools page of a scope, found from its Runners page.
func poolsURL(runners string) string {
	return strings.TrimSuffix(runners, "/runners") + "/pools"
}

type poolRunnerView struct {
	Name, State, Since string
	Job, For           *poolJobView
}

type poolJobView struct{ Name, URL string }

type poolFailureView struct {
	Runner, Outcome, When, Output string
}

type poolView struct {
	Name, Scope, Labels string
	MinIdle, MaxRunners int
	Runners             []poolRunnerView
	Failed              []poolFailureView
}

func (w *Web) poolsPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	ctx := r.Context()
	pools, err := w.Pools.Pools(ctx, sc)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	now := time.Now()
	jobView := func(j *actions_model.RunJob) *poolJobView {
		if j == nil {
			return nil
		}
		v := &poolJobView{Name: visible(j.Name)}
		if rp, err := w.Identity.GetRepoByID(ctx, j.RepoID); err == nil {
			v.URL = jobURL(rp, j.RunID, j.ID)
		}
		return v
	}
	views := make([]poolView, len(pools))
	for i, p := range pools {
		v := poolView{Name: p.Name, Scope: p.Scope.String(), Labels: strings.Join(p.Labels, ", "), MinIdle: p.MinIdle, MaxRunners: p.MaxRunners}
		for _, rr := range p.Runners {
			v.Runners = append(v.Runners, poolRunnerView{Name: visible(rr.RunnerName), State: rr.State,
				Since: durationText(rr.Started/1000, 0, now), Job: jobView(rr.Job), For: jobView(rr.For)})
		}
		for _, f := range p.Failed {
			v.Failed = append(v.Failed, poolFailureView{Runner: visible(f.RunnerName), Outcome: f.Outcome,
				When: time.UnixMilli(f.Ended).UTC().Format("2006-01-02 15:04:05 UTC"), Output: visible(f.Output)})
		}
		views[i] = v
	}
	w.render(rw, r, http.StatusOK, "pools", map[string]any{
		"Title": "Pools", "ScopeName": scopeTitle(sc), "RunnersURL": runners, "Pools": views,
	})
}
