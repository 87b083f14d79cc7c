package integration

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// garmJob is exactly what GARM reads from a workflow_job delivery, with
// the types GARM decodes into (a value of another type fails GARM's
// json.Unmarshal, so the whole event would be refused). Written from
// reading cloudbase/garm:
//   - params/github.go: WorkflowJob, WorkflowJob.GetOrgName (Gitea mode
//     reads organization.name, GitHub mode organization.login);
//   - runner/runner.go: DispatchWorkflowJob, findEndpointForJob (the forge
//     endpoint is the scheme and host of workflow_job.html_url);
//   - runner/pool/pool.go: HandleWorkflowJob, ValidateOwner,
//     paramsWorkflowJobToParamsJob, persistJobToDB, shouldRecordJob.
type garmJob struct {
	Action      string `json:"action"`
	WorkflowJob struct {
		ID              int64     `json:"id"`
		RunID           int64     `json:"run_id"`
		RunAttempt      int64     `json:"run_attempt"`
		NodeID          string    `json:"node_id"`
		HTMLURL         string    `json:"html_url"`
		CheckRunURL     string    `json:"check_run_url"`
		Status          string    `json:"status"`
		Conclusion      string    `json:"conclusion"`
		StartedAt       time.Time `json:"started_at"`
		CompletedAt     time.Time `json:"completed_at"`
		Name            string    `json:"name"`
		Labels          []string  `json:"labels"`
		RunnerID        int64     `json:"runner_id"`
		RunnerName      string    `json:"runner_name"`
		RunnerGroupID   int64     `json:"runner_group_id"`
		RunnerGroupName string    `json:"runner_group_name"`
		Steps           []struct {
			StartedAt   time.Time `json:"started_at"`
			CompletedAt time.Time `json:"completed_at"`
		} `json:"steps"`
	} `json:"workflow_job"`
	Repository struct {
		Name    string `json:"name"`
		HTMLURL string `json:"html_url"`
		Owner   struct {
			Login string `json:"login"`
		} `json:"owner"`
	} `json:"repository"`
	Organization struct {
		Login     string `json:"login"`
		Name      string `json:"name"` // Gitea's; GARM's Gitea mode matches org pools on it
		AvatarURL string `json:"avatar_url"`
	} `json:"organization"`
}

// garmStatusRank is GARM's order of a job's actions (persistJobToDB): an
// event ranked below the one it recorded is refused with 400. "waiting" has
// no rank there.
var garmStatusRank = map[string]int{"queued": 1, "in_progress": 2, "completed": 3}

// garmPool is what one GARM entity serves: a repository ("owner/name"), an
// organization (its name) or the forge instance (""), with the labels of
// its pools.
type garmPool struct {
	target string // repository, organization or system
	entity string
	labels []string
	secret string
}

// garmAnswer is one delivery GARM answered, and why.
type garmAnswer struct {
	Target string // X-Gitea-Hook-Installation-Target-Type
	Gitea  bool   // the Gitea header was there: GARM took the Gitea path
	Job    garmJob
	Status int
	Reason string
}

// garmReceiver answers deliveries as GARM's webhook endpoint does in Gitea
// forge mode: 200 for what it records (or does not recognise as its own),
// 422 for a job it would not track (a waiting job, a new job that is not
// queued), 400 for a job whose status goes back, 401 for a bad signature.
type garmReceiver struct {
	*httptest.Server
	t        *testing.T
	endpoint string // the Gitea endpoint's base URL: scheme://host
	pools    []garmPool
	runners  func(name string) bool // runners GARM made (its instances)

	mu      sync.Mutex
	jobs    map[int64]string // recorded job id → last action
	answers []garmAnswer
}

func newGARMReceiver(t *testing.T, endpoint string, runners func(string) bool, pools ...garmPool) *garmReceiver {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	g := &garmReceiver{t: t, endpoint: u.Scheme + "://" + u.Host, pools: pools, runners: runners, jobs: map[int64]string{}}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	return g
}

func (g *garmReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a := garmAnswer{Target: r.Header.Get("X-Gitea-Hook-Installation-Target-Type")}
	a.Gitea = a.Target != ""
	if !a.Gitea {
		a.Target = r.Header.Get("X-Github-Hook-Installation-Target-Type")
	}
	a.Status, a.Reason = g.handle(r.Header, body, &a)
	g.mu.Lock()
	g.answers = append(g.answers, a)
	g.mu.Unlock()
	w.WriteHeader(a.Status)
}

func (g *garmReceiver) handle(h http.Header, body []byte, a *garmAnswer) (int, string) {
	if h.Get("X-Github-Event") != "workflow_job" {
		return http.StatusOK, "not a workflow_job event: ignored"
	}
	if err := json.Unmarshal(body, &a.Job); err != nil {
		return http.StatusBadRequest, "undecodable: " + err.Error()
	}
	if !a.Gitea {
		return http.StatusOK, "no Gitea target header: looked for a GitHub endpoint, found none, did nothing"
	}
	u, err := url.ParseRequestURI(a.Job.WorkflowJob.HTMLURL)
	if err != nil || u.Scheme+"://"+u.Host != g.endpoint {
		return http.StatusOK, "no endpoint for the job's html_url: not meant for us"
	}
	pool, ok := g.pool(a.Target, a.Job)
	if !ok {
		return http.StatusOK, "no pool manager for this " + a.Target + ": not meant for us"
	}
	if pool.secret != "" && !garmSignatureOK(h.Get("X-Hub-Signature-256"), body, pool.secret) {
		return http.StatusUnauthorized, "signature mismatch"
	}
	j := a.Job.WorkflowJob
	if len(j.Labels) == 0 {
		return http.StatusOK, "no labels: ignored"
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	last, known := g.jobs[j.ID]
	if known && garmStatusRank[a.Job.Action] < garmStatusRank[last] {
		return http.StatusBadRequest, "cannot transition job from " + last + " to " + a.Job.Action
	}
	if !known {
		switch {
		case j.Status == "queued" && containsAll(pool.labels, j.Labels):
		case j.RunnerName != "" && g.runners(j.RunnerName):
		default:
			return http.StatusUnprocessableEntity, "job should not be recorded"
		}
	}
	g.jobs[j.ID] = a.Job.Action
	return http.StatusOK, "recorded"
}

// pool finds the entity the event is for, by the hook's target type, as
// DispatchWorkflowJob and ValidateOwner do.
func (g *garmReceiver) pool(target string, job garmJob) (garmPool, bool) {
	for _, p := range g.pools {
		if p.target != target {
			continue
		}
		switch target {
		case "repository":
			if strings.EqualFold(p.entity, job.Repository.Owner.Login+"/"+job.Repository.Name) {
				return p, true
			}
		case "organization":
			if strings.EqualFold(p.entity, job.Organization.Name) {
				return p, true
			}
		case "system":
			return p, true
		}
	}
	return garmPool{}, false
}

func garmSignatureOK(sig string, body []byte, secret string) bool {
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal([]byte(hexSig), []byte(hex.EncodeToString(m.Sum(nil))))
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func (g *garmReceiver) Answers() []garmAnswer {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.answers)
}

// Recorded is the last action GARM recorded for a job; "" when it tracks none.
func (g *garmReceiver) Recorded(jobID int64) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.jobs[jobID]
}

// OfJob lists the answers about one job, in arrival order.
func (g *garmReceiver) OfJob(jobID int64) []garmAnswer {
	var out []garmAnswer
	for _, a := range g.Answers() {
		if a.Job.WorkflowJob.ID == jobID {
			out = append(out, a)
		}
	}
	return out
}
