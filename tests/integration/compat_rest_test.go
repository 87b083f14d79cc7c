package integration

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// The REST contract of the autoscalers that read Runnerhub (SPEC §8).
//
// KEDA's github-runner scaler (kedacore/keda, pkg/scalers/github_runner_scaler.go)
// lists the owner's repositories (GET /orgs/{o}/repos?page=N, a page of 30
// by default, until a short page) when none are configured, then per
// repository GET .../actions/runs?status=queued&per_page=100 and
// status=in_progress, then per queued or in-progress run
// GET .../actions/runs/{id}/jobs?per_page=100, without paging, and counts
// the jobs queued or in progress whose labels its runners have. It sends
// "Authorization: Bearer <PAT>", If-None-Match with the ETag it kept
// (enableEtags), and reads X-RateLimit-Remaining, X-RateLimit-Reset and
// Retry-After. The structs below are the fields it reads, with the Go types
// it declares for them (a type it cannot decode into fails its whole poll),
// written from reading that file.

// kedaRepo is what KEDA reads of a repository list's entries.
type kedaRepo struct {
	Name string `json:"name"`
}

// kedaWorkflowRuns is KEDA's list of workflow runs, the fields it reads.
type kedaWorkflowRuns struct {
	TotalCount   int `json:"total_count"`
	WorkflowRuns []struct {
		ID           int64     `json:"id"`
		Status       string    `json:"status"`
		Conclusion   *string   `json:"conclusion"`
		RunNumber    int       `json:"run_number"`
		RunAttempt   int       `json:"run_attempt"`
		CreatedAt    time.Time `json:"created_at"`
		UpdatedAt    time.Time `json:"updated_at"`
		RunStartedAt time.Time `json:"run_started_at"`
		Repository   kedaRepo  `json:"repository"`
	} `json:"workflow_runs"`
}

// kedaJobs is KEDA's list of a run's jobs, the fields it reads.
type kedaJobs struct {
	TotalCount int `json:"total_count"`
	Jobs       []struct {
		ID            int       `json:"id"`
		RunID         int       `json:"run_id"`
		Status        string    `json:"status"`
		Conclusion    string    `json:"conclusion"`
		StartedAt     time.Time `json:"started_at"`
		CompletedAt   time.Time `json:"completed_at"`
		Labels        []string  `json:"labels"`
		RunnerID      int       `json:"runner_id"`
		RunnerGroupID int       `json:"runner_group_id"`
	} `json:"jobs"`
}

// kedaPoll is one of KEDA's requests, as its getGithubRequest sends it.
func kedaPoll(t *testing.T, s *testserver.Server, pat, path, etag string) apiResponse {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL+"/api/v1"+path, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.github.v3+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("Authorization", "Bearer "+pat)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return apiResponse{Status: res.StatusCode, Header: res.Header, Body: body}
}

// newOrg makes an organization and its owner, a user called "owner".
func newOrg(t *testing.T, s *testserver.Server, name string) (*identity.User, apiCaller, *identity.Owner) {
	t.Helper()
	owner, ownerAPI := newUser(t, s, "owner", false)
	org, err := s.App.Accounts().CreateOrg(s.Ctx, owner, name)
	require.NoError(t, err)
	return owner, ownerAPI, org
}

// matrixWorkflow is one job in a matrix of n.
func matrixWorkflow(n int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = strconv.Itoa(i)
	}
	return "name: Matrix\non: push\njobs:\n  m:\n    runs-on: [self-hosted, gpu]\n    strategy:\n      matrix:\n        n: [" +
		strings.Join(vals, ", ") + "]\n    steps:\n      - run: echo ${{ matrix.n }}\n"
}

// TestKEDAContract drives KEDA's poll against a 60-job matrix with a PAT
// that may only read the repository: the org's repositories are listed (no
// repos configured), the queued run found, and all 60 jobs come back in the
// one per_page=100 answer KEDA reads without paging. ETag and rate-limit
// headers are those KEDA uses.
func TestKEDAContract(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		acc := s.App.Accounts()
		owner, ownerAPI, org := newOrg(t, s, "acme")
		app, err := acc.CreateRepo(s.Ctx, owner, org, "app")
		require.NoError(t, err)
		_, err = acc.CreateRepo(s.Ctx, owner, org, "secret")
		require.NoError(t, err)
		keda, _ := newUser(t, s, "keda", false)
		_, err = acc.SetCollaborator(s.Ctx, owner, app, keda.Name, identity.AccessRead)
		require.NoError(t, err)
		pat, err := acc.CreateAccessToken(s.Ctx, keda.ID, "keda")
		require.NoError(t, err)
		runID := startRun(t, ownerAPI, "acme/app", matrixWorkflow(60))

		// No repos configured: KEDA lists the org's, and sees those it may read.
		res := kedaPoll(t, s, pat, "/orgs/acme/repos?page=1", "")
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var repos []kedaRepo
		res.decode(t, &repos)
		assert.Equal(t, []kedaRepo{{Name: "app"}}, repos, "acme/secret is not the PAT's to read")

		var runs kedaWorkflowRuns
		res = kedaPoll(t, s, pat, "/repos/acme/app/actions/runs?status=queued&per_page=100", "")
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &runs)
		require.Len(t, runs.WorkflowRuns, 1)
		assert.Equal(t, 1, runs.TotalCount)
		assert.Equal(t, runID, runs.WorkflowRuns[0].ID)
		assert.Equal(t, "queued", runs.WorkflowRuns[0].Status)
		assert.Equal(t, "app", runs.WorkflowRuns[0].Repository.Name, "KEDA asks for the jobs by this name")
		res = kedaPoll(t, s, pat, "/repos/acme/app/actions/runs?status=in_progress&per_page=100", "")
		res.decode(t, &runs)
		assert.Empty(t, runs.WorkflowRuns)

		jobsPath := fmt.Sprintf("/repos/acme/app/actions/runs/%d/jobs?per_page=100", runID)
		res = kedaPoll(t, s, pat, jobsPath, "")
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var jobs kedaJobs
		res.decode(t, &jobs)
		assert.Equal(t, 60, jobs.TotalCount)
		require.Len(t, jobs.Jobs, 60, "KEDA does not page: all 60 must be on its one page")
		for _, j := range jobs.Jobs {
			assert.Equal(t, "queued", j.Status)
			assert.ElementsMatch(t, []string{"self-hosted", "gpu"}, j.Labels)
			assert.True(t, j.StartedAt.IsZero(), "started_at is null until the job starts")
		}
		assert.NotContains(t, res.Header.Get("Link"), `rel="next"`, "one page holds them all")
		assert.Equal(t, "60", res.Header.Get("X-Total-Count"))

		// Rate-limit headers, as KEDA parses them.
		remaining, err := strconv.ParseInt(res.Header.Get("X-RateLimit-Remaining"), 10, 64)
		require.NoError(t, err, "X-RateLimit-Remaining: %q", res.Header.Get("X-RateLimit-Remaining"))
		limit, err := strconv.ParseInt(res.Header.Get("X-RateLimit-Limit"), 10, 64)
		require.NoError(t, err)
		assert.Less(t, remaining, limit, "this caller has used some")
		reset, err := strconv.ParseInt(res.Header.Get("X-RateLimit-Reset"), 10, 64)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, reset, time.Now().Unix(), "the reset is now or later, in Unix seconds")
		assert.Equal(t, "core", res.Header.Get("X-RateLimit-Resource"))

		// ETag: unchanged is 304 with no body; a change is a new answer.
		etag := res.Header.Get("ETag")
		require.NotEmpty(t, etag)
		again := kedaPoll(t, s, pat, jobsPath, etag)
		assert.Equal(t, http.StatusNotModified, again.Status)
		assert.Empty(t, again.Body)
		assert.Equal(t, http.StatusNotModified, kedaPoll(t, s, pat, jobsPath, `W/"x", `+etag).Status, "a list of tags, weakly compared")
		res = ownerAPI.do(t, "POST", fmt.Sprintf("/api/v1/repos/acme/app/actions/runs/%d/cancel", runID), nil)
		require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
		changed := kedaPoll(t, s, pat, jobsPath, etag)
		require.Equal(t, http.StatusOK, changed.Status, "the jobs were cancelled: the old tag no longer matches")
		assert.NotEqual(t, etag, changed.Header.Get("ETag"))

		// Whoever may not read the repository does not learn it exists.
		_, stranger := newUser(t, s, "stranger", false)
		strangerPAT := strings.TrimPrefix(stranger.header, "token ")
		assert.Equal(t, http.StatusNotFound, kedaPoll(t, s, strangerPAT, jobsPath, "").Status)
		assert.Equal(t, http.StatusNotFound, kedaPoll(t, s, strangerPAT, "/repos/acme/app", "").Status)
		res = kedaPoll(t, s, strangerPAT, "/orgs/acme/repos", "")
		res.decode(t, &repos)
		assert.Empty(t, repos)
	})
}

// TestKEDAContract_UserRepositories: KEDA's repo scope lists
// /users/{owner}/repos, and a Gitea client reads /repos/{o}/{r}.
func TestKEDAContract_UserRepositories(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	acc := s.App.Accounts()
	alice, _ := newUser(t, s, "alice", false)
	aliceOwner, err := acc.GetOwnerByName(s.Ctx, "alice")
	require.NoError(t, err)
	for _, name := range []string{"zeta", "alpha"} {
		_, err := acc.CreateRepo(s.Ctx, alice, aliceOwner, name)
		require.NoError(t, err)
	}
	pat, err := acc.CreateAccessToken(s.Ctx, alice.ID, "keda")
	require.NoError(t, err)
	var repos []kedaRepo
	kedaPoll(t, s, pat, "/users/alice/repos?page=1", "").decode(t, &repos)
	assert.Equal(t, []kedaRepo{{Name: "alpha"}, {Name: "zeta"}}, repos, "by name")
	kedaPoll(t, s, pat, "/user/repos", "").decode(t, &repos)
	assert.Len(t, repos, 2)

	// Gitea's Repository JSON, the fields its clients read.
	var repo struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		FullName string `json:"full_name"`
		Owner    struct {
			Login    string `json:"login"`
			UserName string `json:"username"`
		} `json:"owner"`
		Private     bool   `json:"private"`
		HTMLURL     string `json:"html_url"`
		URL         string `json:"url"`
		Permissions struct {
			Admin, Push, Pull bool
		} `json:"permissions"`
	}
	res := kedaPoll(t, s, pat, "/repos/alice/zeta", "")
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.decode(t, &repo)
	assert.Equal(t, "alice/zeta", repo.FullName)
	assert.Equal(t, "alice", repo.Owner.Login)
	assert.Equal(t, "alice", repo.Owner.UserName)
	assert.True(t, repo.Private)
	assert.Equal(t, s.URL+"/alice/zeta", repo.HTMLURL)
	assert.Equal(t, s.URL+"/api/v1/repos/alice/zeta", repo.URL)
	assert.True(t, repo.Permissions.Admin && repo.Permissions.Push && repo.Permissions.Pull, "alice owns it")
	assert.Equal(t, http.StatusNotFound, kedaPoll(t, s, pat, "/orgs/alice/repos", "").Status, "alice is no organization")
	assert.Equal(t, http.StatusNotFound, kedaPoll(t, s, pat, "/users/nobody/repos", "").Status)
}

// linkRel matches one entry of a Link header.
var linkRel = regexp.MustCompile(`<([^>]+)>;\s*rel="([a-z]+)"`)

// links reads a Link header into rel → URL.
func links(h http.Header) map[string]string {
	out := map[string]string{}
	for _, m := range linkRel.FindAllStringSubmatch(h.Get("Link"), -1) {
		out[m[2]] = m[1]
	}
	return out
}

// TestGARMContract_PagesRunnersByLink: GARM lists an organization's runners
// through go-github's ListOrganizationRunners (cloudbase/garm,
// util/github/client.go, ListEntityRunners), page after page while the
// answer's Link header has a next page (go-github's Response.NextPage, the
// "page" of the rel="next" URL). 120 runners come back, each once.
func TestGARMContract_PagesRunnersByLink(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, ownerAPI, org := newOrg(t, s, "acme")
		token := s.RegistrationToken(t, identity.OwnerScope(org))
		want := map[int64]bool{}
		for i := range 120 {
			r := s.Register(t, token, fmt.Sprintf("garm-%03d", i), []string{"linux"}, true)
			want[r.ID] = true
		}

		seen := map[int64]bool{}
		path := "/api/v1/orgs/acme/actions/runners?per_page=50&disabled=false"
		pages := 0
		for path != "" {
			res := ownerAPI.do(t, "GET", path, nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var page struct {
				TotalCount int `json:"total_count"`
				Runners    []struct {
					ID   int64  `json:"id"`
					Name string `json:"name"`
				} `json:"runners"`
			}
			res.decode(t, &page)
			assert.Equal(t, 120, page.TotalCount)
			assert.Equal(t, "120", res.Header.Get("X-Total-Count"))
			for _, r := range page.Runners {
				assert.False(t, seen[r.ID], "runner %d twice", r.ID)
				seen[r.ID] = true
			}
			pages++
			rel := links(res.Header)
			if pages == 1 {
				assert.NotContains(t, rel, "prev")
				assert.NotContains(t, rel, "first")
			} else {
				assert.Contains(t, rel, "first")
				assert.Contains(t, rel, "prev")
			}
			path = ""
			if next, ok := rel["next"]; ok {
				u, err := url.Parse(next)
				require.NoError(t, err)
				assert.Equal(t, s.URL, u.Scheme+"://"+u.Host, "Link URLs are under ROOT_URL")
				assert.Equal(t, "false", u.Query().Get("disabled"), "the other parameters are kept")
				assert.Equal(t, "50", u.Query().Get("per_page"))
				assert.Equal(t, strconv.Itoa(pages+1), u.Query().Get("page"))
				last, err := url.Parse(rel["last"])
				require.NoError(t, err)
				assert.Equal(t, "3", last.Query().Get("page"))
				path = u.RequestURI()
			}
		}
		assert.Equal(t, 3, pages)
		assert.Equal(t, want, seen)

		// per_page is capped at 100, as GitHub caps it.
		res := ownerAPI.do(t, "GET", "/api/v1/orgs/acme/actions/runners?per_page=1000", nil)
		var page struct{ Runners []struct{ ID int64 } }
		res.decode(t, &page)
		assert.Len(t, page.Runners, 100)
		assert.Contains(t, links(res.Header)["next"], "per_page=100")
		// The default page is 30 (KEDA stops at a shorter one).
		ownerAPI.do(t, "GET", "/api/v1/orgs/acme/actions/runners", nil).decode(t, &page)
		assert.Len(t, page.Runners, 30)
	}, func(o *options.Options) { o.API.RateLimit = 0 })
}

// TestRESTConventions_RunFiltersAndStrictQueries: GitHub's run filters are
// applied by the query, and every value Runnerhub does not know is 400.
func TestRESTConventions_RunFiltersAndStrictQueries(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		admin, adminAPI := newUser(t, s, "root", true)
		_, devAPI := newUser(t, s, "dev", false)
		acc := s.App.Accounts()
		root, err := acc.GetOwnerByName(s.Ctx, "root")
		require.NoError(t, err)
		app, err := acc.CreateRepo(s.Ctx, admin, root, "app")
		require.NoError(t, err)
		_, err = acc.SetCollaborator(s.Ctx, admin, app, "dev", identity.AccessWrite)
		require.NoError(t, err)
		post := func(c apiCaller, ref, sha, event string) int64 {
			res := c.do(t, "POST", "/api/v1/repos/root/app/actions/runs", map[string]any{
				"workflow": twoJobWorkflow, "workflow_id": "ci.yml", "ref": ref, "sha": sha, "event": event,
			})
			require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
			var run struct{ ID int64 }
			res.decode(t, &run)
			return run.ID
		}
		sha := func(c byte) string { return strings.Repeat(string(c), 40) }
		a := post(adminAPI, "main", sha('a'), "push")
		b := post(devAPI, "refs/heads/feature", sha('b'), "pull_request")
		c := post(devAPI, "main", sha('c'), "workflow_dispatch")
		res := adminAPI.do(t, "POST", fmt.Sprintf("/api/v1/repos/root/app/actions/runs/%d/cancel", c), nil)
		require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)

		ids := func(query string) []int64 {
			t.Helper()
			res := adminAPI.do(t, "GET", "/api/v1/repos/root/app/actions/runs?"+query, nil)
			require.Equal(t, http.StatusOK, res.Status, "%s: %s", query, res.Body)
			var list struct {
				TotalCount   int64 `json:"total_count"`
				WorkflowRuns []struct {
					ID int64 `json:"id"`
				} `json:"workflow_runs"`
			}
			res.decode(t, &list)
			out := []int64{}
			for _, r := range list.WorkflowRuns {
				out = append(out, r.ID)
			}
			if !strings.Contains(query, "per_page") {
				assert.EqualValues(t, len(out), list.TotalCount, "%s: every match is on the page", query)
			}
			return out
		}
		today := time.Now().UTC().Format(time.DateOnly)
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
		for query, want := range map[string][]int64{
			"":                                   {c, b, a},
			"actor=dev":                          {c, b},
			"actor=root&actor=dev":               {c, b, a},
			"actor=nobody":                       {},
			"branch=main":                        {c, a},
			"branch=feature":                     {b},
			"event=pull_request":                 {b},
			"event=push&event=workflow_dispatch": {c, a},
			"head_sha=" + sha('b'):               {b},
			"status=queued":                      {b, a},
			"status=cancelled":                   {c},
			"status=completed":                   {c},
			"status=queued&status=cancelled":     {c, b, a},
			"status=timed_out":                   {},
			"status=waiting":                     {}, // a run shows as waiting never: no silent mapping to queued
			"created=" + today:                   {c, b, a},
			"created=>=" + today:                 {c, b, a},
			"created=<" + today:                  {},
			"created=" + today + ".." + tomorrow: {c, b, a},
			"created=*.." + today:                {c, b, a},
			"created=>" + tomorrow:               {},
			"exclude_pull_requests=true":         {c, b, a},
			"branch=main&event=push&actor=root":  {a},
			"per_page=1&page=2":                  {b},
		} {
			assert.Equal(t, want, ids(query), query)
		}
		for _, query := range []string{
			"status=sleeping", "status=", "created=yesterday", "created=*..*", "created=2024-13-01",
			"created=" + today + "&created=" + today, "exclude_pull_requests=maybe", "page=0", "page=1&page=2",
			"per_page=10&limit=10", "per_page=x", "event=", "page=99999999",
			strings.Repeat("actor=a&", 101),
		} {
			res := adminAPI.do(t, "GET", "/api/v1/repos/root/app/actions/runs?"+query, nil)
			assert.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", query, res.Body)
		}

		// The runner list's disabled filter, on the same terms.
		tok := s.RegistrationToken(t, identity.RepoScope(app))
		on := s.Register(t, tok, "on", []string{"linux"}, false)
		off := s.Register(t, tok, "off", []string{"linux"}, false)
		res = adminAPI.do(t, "PATCH", fmt.Sprintf("/api/v1/repos/root/app/actions/runners/%d", off.ID), map[string]bool{"disabled": true})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		runnerIDs := func(query string) []int64 {
			var list struct{ Runners []struct{ ID int64 } }
			adminAPI.do(t, "GET", "/api/v1/repos/root/app/actions/runners?"+query, nil).decode(t, &list)
			out := []int64{}
			for _, r := range list.Runners {
				out = append(out, r.ID)
			}
			return out
		}
		assert.Equal(t, []int64{off.ID}, runnerIDs("disabled=true"))
		assert.Equal(t, []int64{on.ID}, runnerIDs("disabled=false"))
		assert.Equal(t, []int64{off.ID, on.ID}, runnerIDs(""))
		assert.Equal(t, []int64{on.ID}, runnerIDs("name=on"))
		assert.Equal(t, http.StatusBadRequest, adminAPI.do(t, "GET", "/api/v1/repos/root/app/actions/runners?disabled=yes", nil).Status)
	})
}

// TestRESTConventions_RateLimitAnswers: over the limit the answer is 429
// with Retry-After and the quota at zero; no request is served beyond it.
func TestRESTConventions_RateLimitAnswers(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), func(o *options.Options) { o.API.RateLimit, o.API.RateLimitBurst = 6, 2 })
	_, c := newUser(t, s, "alice", false)
	first := c.do(t, "GET", "/api/v1/user", nil)
	require.Equal(t, http.StatusOK, first.Status)
	assert.Equal(t, "2", first.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, "1", first.Header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "1", first.Header.Get("X-RateLimit-Used"))
	require.Equal(t, http.StatusOK, c.do(t, "GET", "/api/v1/user", nil).Status)
	over := c.do(t, "GET", "/api/v1/user", nil)
	require.Equal(t, http.StatusTooManyRequests, over.Status)
	assert.Equal(t, "0", over.Header.Get("X-RateLimit-Remaining"))
	wait, err := strconv.Atoi(over.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.Equal(t, 10, wait, "one request per 10 s comes back")
	reset, err := strconv.ParseInt(over.Header.Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix()+20, reset, 2, "the bucket of two is full again in 20 s")
}
