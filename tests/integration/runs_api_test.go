package integration

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/tests/testserver"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

type runJSON struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Path       string  `json:"path"`
	HeadBranch string  `json:"head_branch"`
	HeadSHA    string  `json:"head_sha"`
	RunNumber  int64   `json:"run_number"`
	Event      string  `json:"event"`
	Status     string  `json:"status"`
	Conclusion *string `json:"conclusion"`
	JobsURL    string  `json:"jobs_url"`
}

type jobJSON struct {
	ID         int64    `json:"id"`
	RunID      int64    `json:"run_id"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Conclusion *string  `json:"conclusion"`
	Labels     []string `json:"labels"`
	RunnerName *string  `json:"runner_name"`
}

type jobListJSON struct {
	TotalCount int64     `json:"total_count"`
	Jobs       []jobJSON `json:"jobs"`
}

func TestRunsAPI_IntakeReadsAndCancel(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		root, admin := newUser(t, s, "root", true)
		acme, err := s.App.Accounts().CreateOrg(s.Ctx, root, "acme")
		require.NoError(t, err)
		_, err = s.App.Accounts().CreateRepo(s.Ctx, root, acme, "app")
		require.NoError(t, err)
		_, err = s.App.Accounts().CreateRepo(s.Ctx, root, acme, "other")
		require.NoError(t, err)
		_, stranger := newUser(t, s, "stranger", false)
		base := "/api/v1/repos/acme/app/actions"

		res := admin.do(t, "POST", base+"/runs", map[string]any{"workflow": "jobs: [unclosed"})
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
		assert.Contains(t, res.message(t), "not valid YAML")
		res = admin.do(t, "POST", base+"/runs", map[string]any{"workflow": "jobs:\n  a:\n    runs-on: x\n    needs: nope\n"})
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
		assert.Contains(t, res.message(t), `needs "nope"`)
		res = stranger.do(t, "POST", base+"/runs", map[string]any{"workflow": twoJobWorkflow})
		assert.Equal(t, http.StatusNotFound, res.Status, "a repository the caller may not read does not exist for them")

		runID := startRun(t, admin, "acme/app", twoJobWorkflow)
		var run runJSON
		res = admin.do(t, "GET", base+"/runs/"+strconv.FormatInt(runID, 10), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &run)
		assert.Equal(t, runJSON{
			ID: runID, Name: "CI", Path: ".gitea/workflows/ci.yml", HeadBranch: "main",
			HeadSHA: "0123456789abcdef0123456789abcdef01234567", RunNumber: 1, Event: "push", Status: "queued",
			JobsURL: s.URL + base + "/runs/" + strconv.FormatInt(runID, 10) + "/jobs",
		}, run)

		var runs struct {
			TotalCount   int64     `json:"total_count"`
			WorkflowRuns []runJSON `json:"workflow_runs"`
		}
		admin.do(t, "GET", base+"/runs?status=queued&per_page=10&page=1", nil).decode(t, &runs)
		assert.EqualValues(t, 1, runs.TotalCount)
		admin.do(t, "GET", base+"/runs?status=in_progress", nil).decode(t, &runs)
		assert.EqualValues(t, 0, runs.TotalCount)
		assert.Equal(t, http.StatusBadRequest, admin.do(t, "GET", base+"/runs?status=sleeping", nil).Status)

		var jobs jobListJSON
		admin.do(t, "GET", base+"/runs/"+strconv.FormatInt(runID, 10)+"/jobs", nil).decode(t, &jobs)
		require.Len(t, jobs.Jobs, 2)
		assert.Equal(t, "build", jobs.Jobs[0].Name)
		assert.Equal(t, "queued", jobs.Jobs[0].Status)
		assert.Equal(t, []string{"linux"}, jobs.Jobs[0].Labels)
		assert.Equal(t, "waiting", jobs.Jobs[1].Status, "deploy waits for build")
		buildID, deployID := jobs.Jobs[0].ID, jobs.Jobs[1].ID

		// The queue an autoscaler reads, in each scope, filtered by what its runners offer.
		for _, path := range []string{"/api/v1/admin/actions/jobs", "/api/v1/orgs/acme/actions/jobs", base + "/jobs"} {
			admin.do(t, "GET", path+"?status=queued", nil).decode(t, &jobs)
			assert.EqualValues(t, 1, jobs.TotalCount, path)
			admin.do(t, "GET", path+"?status=queued&labels=linux,x64", nil).decode(t, &jobs)
			assert.EqualValues(t, 1, jobs.TotalCount, path)
			admin.do(t, "GET", path+"?status=queued&labels=windows", nil).decode(t, &jobs)
			assert.EqualValues(t, 0, jobs.TotalCount, path)
		}
		admin.do(t, "GET", "/api/v1/repos/acme/other/actions/jobs?status=queued", nil).decode(t, &jobs)
		assert.EqualValues(t, 0, jobs.TotalCount, "another repository's queue is its own")
		assert.Equal(t, http.StatusNotFound, admin.do(t, "GET", "/api/v1/repos/acme/other/actions/jobs/"+strconv.FormatInt(buildID, 10), nil).Status)
		assert.Equal(t, http.StatusForbidden, stranger.do(t, "GET", "/api/v1/orgs/acme/actions/jobs", nil).Status)

		r := instanceRunner(t, s, "vm", false, "linux")
		task := fetch(t, r)
		require.NotNil(t, task)
		var job jobJSON
		admin.do(t, "GET", base+"/jobs/"+strconv.FormatInt(buildID, 10), nil).decode(t, &job)
		assert.Equal(t, "in_progress", job.Status)
		require.NotNil(t, job.RunnerName)
		assert.Equal(t, "vm", *job.RunnerName)
		admin.do(t, "GET", base+"/runs?status=in_progress", nil).decode(t, &runs)
		assert.EqualValues(t, 1, runs.TotalCount)

		res = admin.do(t, "POST", base+"/runs/"+strconv.FormatInt(runID, 10)+"/cancel", nil)
		require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
		res.decode(t, &run)
		assert.Equal(t, "completed", run.Status)
		require.NotNil(t, run.Conclusion)
		assert.Equal(t, "cancelled", *run.Conclusion)
		admin.do(t, "GET", base+"/jobs/"+strconv.FormatInt(deployID, 10), nil).decode(t, &job)
		assert.Equal(t, "cancelled", *job.Conclusion)

		// The runner learns it from its next UpdateTask answer, which makes act_runner stop.
		up, err := r.Client.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{Id: task.Id}}))
		require.NoError(t, err)
		assert.Equal(t, runnerv1.Result_RESULT_CANCELLED, up.Msg.State.Result)
		assert.Equal(t, http.StatusConflict, admin.do(t, "POST", base+"/runs/"+strconv.FormatInt(runID, 10)+"/cancel", nil).Status)
		assert.Equal(t, http.StatusConflict, admin.do(t, "POST", base+"/jobs/"+strconv.FormatInt(buildID, 10)+"/cancel", nil).Status)
	})
}

func TestRunsAPI_CancelOneJob(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, admin := newUser(t, s, "root", true)
	s.CreateRepo(t, "octo", "app")
	runID := startRun(t, admin, "octo/app", twoJobWorkflow)
	var jobs jobListJSON
	admin.do(t, "GET", "/api/v1/repos/octo/app/actions/runs/"+strconv.FormatInt(runID, 10)+"/jobs", nil).decode(t, &jobs)
	require.Len(t, jobs.Jobs, 2)
	res := admin.do(t, "POST", "/api/v1/repos/octo/app/actions/jobs/"+strconv.FormatInt(jobs.Jobs[0].ID, 10)+"/cancel", nil)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	admin.do(t, "GET", "/api/v1/repos/octo/app/actions/runs/"+strconv.FormatInt(runID, 10)+"/jobs", nil).decode(t, &jobs)
	assert.Equal(t, "cancelled", *jobs.Jobs[0].Conclusion)
	assert.Equal(t, "skipped", *jobs.Jobs[1].Conclusion, "the job that needed it does not run")
}

type hookJSON struct {
	ID     int64             `json:"id"`
	Type   string            `json:"type"`
	Config map[string]string `json:"config"`
	Events []string          `json:"events"`
	Active bool              `json:"active"`
}

func TestHooksAPI_CRUDDeliveriesAndRedelivery(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), fastHooks)
	root, admin := newUser(t, s, "root", true)
	_, stranger := newUser(t, s, "stranger", false)
	acme, err := s.App.Accounts().CreateOrg(s.Ctx, root, "acme")
	require.NoError(t, err)
	_, err = s.App.Accounts().CreateRepo(s.Ctx, root, acme, "app")
	require.NoError(t, err)
	rcv := webhooktest.New(t, nil)

	res := admin.do(t, "POST", "/api/v1/orgs/acme/hooks", map[string]any{
		"type": "gitea", "events": []string{"workflow_job"}, "active": true,
		"config": map[string]string{"url": rcv.URL, "content_type": "json", "secret": "s3"},
	})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var hook hookJSON
	res.decode(t, &hook)
	assert.Equal(t, "gitea", hook.Type)
	assert.Equal(t, []string{"workflow_job"}, hook.Events)
	assert.True(t, hook.Active)
	assert.Equal(t, rcv.URL, hook.Config["url"])
	assert.Equal(t, "json", hook.Config["content_type"])
	assert.Equal(t, "********", hook.Config["secret"], "the secret is never shown")
	hookPath := "/api/v1/orgs/acme/hooks/" + strconv.FormatInt(hook.ID, 10)

	for _, bad := range []map[string]any{
		{"type": "slack", "config": map[string]string{"url": rcv.URL}},
		{"config": map[string]string{"url": rcv.URL}, "events": []string{"push"}},
		{"config": map[string]string{"url": "not a url"}},
	} {
		assert.Equal(t, http.StatusUnprocessableEntity, admin.do(t, "POST", "/api/v1/orgs/acme/hooks", bad).Status, "%v", bad)
	}
	assert.Equal(t, http.StatusForbidden, stranger.do(t, "GET", "/api/v1/orgs/acme/hooks", nil).Status)
	assert.Equal(t, http.StatusForbidden, stranger.do(t, "POST", "/api/v1/admin/hooks", map[string]any{"config": map[string]string{"url": rcv.URL}}).Status)
	var list []hookJSON
	admin.do(t, "GET", "/api/v1/orgs/acme/hooks", nil).decode(t, &list)
	require.Len(t, list, 1)
	assert.Equal(t, http.StatusNotFound, admin.do(t, "GET", "/api/v1/repos/acme/app/hooks/"+strconv.FormatInt(hook.ID, 10), nil).Status,
		"an org webhook is not one of the repository's")

	startRun(t, admin, "acme/app", "jobs:\n  build:\n    runs-on: linux\n")
	require.Eventually(t, func() bool { return len(rcv.Accepted()) == 1 }, 20*time.Second, 20*time.Millisecond)

	var deliveries []struct {
		ID         int64  `json:"id"`
		GUID       string `json:"guid"`
		Status     string `json:"status"`
		StatusCode int    `json:"status_code"`
		Action     string `json:"action"`
		Redelivery bool   `json:"redelivery"`
	}
	// The receiver has answered; the worker records the answer right after.
	require.Eventually(t, func() bool {
		res = admin.do(t, "GET", hookPath+"/deliveries", nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.decode(t, &deliveries)
		return len(deliveries) == 1 && deliveries[0].Status != "pending"
	}, 20*time.Second, 20*time.Millisecond)
	assert.Equal(t, "succeeded", deliveries[0].Status)
	assert.Equal(t, http.StatusOK, deliveries[0].StatusCode)
	assert.Equal(t, rcv.Accepted()[0].ID(), deliveries[0].GUID)

	var one struct {
		Request struct {
			Headers map[string][]string `json:"headers"`
			Payload struct{ Action string }
		} `json:"request"`
		Response struct{ Body string } `json:"response"`
	}
	admin.do(t, "GET", hookPath+"/deliveries/"+strconv.FormatInt(deliveries[0].ID, 10), nil).decode(t, &one)
	assert.Equal(t, "queued", one.Request.Payload.Action)
	assert.NotEmpty(t, one.Request.Headers["X-Hub-Signature-256"])
	assert.Equal(t, "thanks queued", one.Response.Body)

	res = admin.do(t, "POST", hookPath+"/deliveries/"+strconv.FormatInt(deliveries[0].ID, 10)+"/attempts", nil)
	require.Equal(t, http.StatusAccepted, res.Status, "%s", res.Body)
	require.Eventually(t, func() bool { return len(rcv.Accepted()) == 2 }, 20*time.Second, 20*time.Millisecond)
	assert.Equal(t, deliveries[0].GUID, rcv.Accepted()[1].ID(), "a redelivery keeps the delivery id")
	admin.do(t, "GET", hookPath+"/deliveries", nil).decode(t, &deliveries)
	require.Len(t, deliveries, 2)
	assert.True(t, deliveries[0].Redelivery)

	res = admin.do(t, "PATCH", hookPath, map[string]any{"active": false, "config": map[string]string{"url": rcv.URL + "/moved"}})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	res.decode(t, &hook)
	assert.False(t, hook.Active)
	assert.Equal(t, rcv.URL+"/moved", hook.Config["url"])
	assert.Equal(t, "********", hook.Config["secret"], "an edit without a secret keeps it")

	assert.Equal(t, http.StatusNoContent, admin.do(t, "DELETE", hookPath, nil).Status)
	assert.Equal(t, http.StatusNotFound, admin.do(t, "GET", hookPath, nil).Status)

	res = admin.do(t, "POST", "/api/v1/admin/hooks", map[string]any{"config": map[string]string{"url": rcv.URL}})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	admin.do(t, "GET", "/api/v1/admin/hooks", nil).decode(t, &list)
	assert.Len(t, list, 1, "system webhooks are listed under /admin/hooks")
}
