package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// queueJobsShown is how many of a group's oldest jobs the queue page lists.
const queueJobsShown = 10

// The queue page sits beside each scope's Runners page: …/actions/queue.
func (w *Web) registerQueuePages(mux *http.ServeMux) {
	w.handleScoped(mux, "GET", "/actions/queue", w.queuePage)
}

// queueURL is the queue page of a scope, found from its Runners page.
func queueURL(runners string) string {
	return strings.TrimSuffix(runners, "/runners") + "/queue"
}

type queueRepoView struct {
	Name, URL string
	Count     int64
	Age       string
}

type queueJobView struct {
	Name, URL, Repo, Age string
}

type queueGroupView struct {
	Labels            []string
	Count             int64
	Age               string
	Repos             []queueRepoView
	Jobs              []queueJobView
	More              int64
	Wait              waitSummary
	Idle, Busy, Unavl int
}

// queuePage answers "why is my job not running?" for a scope: the waiting
// jobs by label set with what could take them, and a chart of the queue.
func (w *Web) queuePage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	ctx := r.Context()
	retention := w.Actions.QueueSampleRetention()
	hours, _ := strconv.Atoi(r.URL.Query().Get("hours"))
	most := max(int(retention/time.Hour), 1)
	if hours < 1 || hours > most {
		hours = min(6, most)
	}
	span := time.Duration(hours) * time.Hour
	q, err := w.Actions.Queue(ctx, sc, queueJobsShown)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	history, err := w.Actions.QueueHistory(ctx, sc, span)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	now := time.Now()
	repos := map[int64]*identity.Repo{}
	repoOf := func(id int64) *identity.Repo {
		if rp, ok := repos[id]; ok {
			return rp
		}
		rp, err := w.Identity.GetRepoByID(ctx, id)
		if err != nil {
			rp = nil // a repository the host no longer knows: shown by id
		}
		repos[id] = rp
		return rp
	}
	groups := make([]queueGroupView, len(q.Groups))
	for i, g := range q.Groups {
		v := queueGroupView{Labels: visibleAll(g.Labels), Count: g.Count, Age: durationText(g.Oldest, 0, now),
			Wait: w.waitView(r, g, 0, now), Idle: g.Idle, Busy: g.Busy, Unavl: g.Unavailable, More: g.Count - int64(len(g.Jobs))}
		for _, rq := range g.Repos {
			rv := queueRepoView{Name: "repository " + strconv.FormatInt(rq.RepoID, 10), Count: rq.Count, Age: durationText(rq.Oldest, 0, now)}
			if rp := repoOf(rq.RepoID); rp != nil {
				rv.Name, rv.URL = rp.FullName(), actionsURL(rp)
			}
			v.Repos = append(v.Repos, rv)
		}
		for _, j := range g.Jobs {
			jv := queueJobView{Name: visible(j.Name), Age: durationText(j.Queued, 0, now)}
			if rp := repoOf(j.RepoID); rp != nil {
				jv.Repo, jv.URL = rp.FullName(), jobURL(rp, j.RunID, j.ID)
			}
			v.Jobs = append(v.Jobs, jv)
		}
		groups[i] = v
	}
	length, wait := queueCharts(history, span, now)
	var spans []int
	for _, h := range []int{1, 6, 24, 72} {
		if h <= most {
			spans = append(spans, h)
		}
	}
	w.render(rw, r, http.StatusOK, "queue", map[string]any{
		"Title": "Queue", "ScopeName": scopeTitle(sc), "RunnersURL": runners, "QueueURL": queueURL(runners),
		"Groups": groups, "Count": q.Count, "Runners": q.Runners, "LengthChart": length, "WaitChart": wait,
		"Hours": hours, "Spans": spans, "Interval": roundDuration(w.Actions.QueueSampleInterval()),
		"Sampling": w.Actions.QueueSampleInterval() > 0,
	})
}
