package integration

import (
	"fmt"
	"net/http"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/tests/testserver"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// TestRerunAPI_FailedJobsGetANewAttemptAndItsEvents fails the build of a
// two-job run, re-runs the failed jobs over REST, and follows the new
// attempt: new job ids queued to the webhook with run_attempt 2, the old
// ids untouched, and ?filter= listing one attempt or all.
func TestRerunAPI_FailedJobsGetANewAttemptAndItsEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		rcv := webhooktest.New(t, nil)
		root, admin := newUser(t, s, "root", true)
		acme, err := s.App.Accounts().CreateOrg(s.Ctx, root, "acme")
		require.NoError(t, err)
		_, err = s.App.Accounts().CreateRepo(s.Ctx, root, acme, "app")
		require.NoError(t, err)
		_, stranger := newUser(t, s, "stranger", false)
		addRepoHook(t, admin, "acme/app", rcv.URL+"/hook", "hook-secret")
		runID := startRun(t, admin, "acme/app", twoJobWorkflow)
		base := fmt.Sprintf("/api/v1/repos/acme/app/actions/runs/%d", runID)

		res := admin.do(t, "POST", base+"/rerun-failed-jobs", nil)
		assert.Equal(t, http.StatusConflict, res.Status, "a run under way is not run again")
		assert.Contains(t, res.message(t), "still waiting")

		r := instanceRunner(t, s, "vm", false, "linux")
		build := fetch(t, r)
		require.NotNil(t, build)
		finish(t, r, build.Id, runnerv1.Result_RESULT_FAILURE) // deploy is skipped, the run failed
		rows := allDelivered(t, s, 5)
		require.Len(t, rows, 5)

		res = stranger.do(t, "POST", base+"/rerun-failed-jobs", nil)
		assert.Equal(t, http.StatusNotFound, res.Status, "a repository the caller may not read does not exist for them")
		res = admin.do(t, "POST", "/api/v1/repos/acme/app/actions/runs/99999/rerun-failed-jobs", nil)
		assert.Equal(t, http.StatusNotFound, res.Status)

		res = admin.do(t, "POST", base+"/rerun-failed-jobs", nil)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		var run struct {
			RunAttempt int64  `json:"run_attempt"`
			Status     string `json:"status"`
		}
		res.decode(t, &run)
		assert.EqualValues(t, 2, run.RunAttempt)
		assert.Equal(t, "queued", run.Status)

		var latest, all jobListJSON
		res = admin.do(t, "GET", base+"/jobs", nil)
		require.Equal(t, http.StatusOK, res.Status)
		res.decode(t, &latest)
		res = admin.do(t, "GET", base+"/jobs?filter=all", nil)
		require.Equal(t, http.StatusOK, res.Status)
		res.decode(t, &all)
		assert.EqualValues(t, 2, latest.TotalCount, "the latest attempt of each job")
		assert.EqualValues(t, 4, all.TotalCount, "and with the first attempt's rows")
		require.Len(t, latest.Jobs, 2)
		assert.Equal(t, "queued", latest.Jobs[0].Status)
		assert.Equal(t, "waiting", latest.Jobs[1].Status)
		res = admin.do(t, "GET", base+"/jobs?filter=newest", nil)
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status)

		// The webhook hears of the new jobs, with the new attempt.
		got := allDelivered(t, s, 7)
		require.Len(t, got, 7)
		newBuild, newDeploy := latest.Jobs[0].ID, latest.Jobs[1].ID
		assert.NotEqual(t, build.Id, newBuild)
		events := rcv.Accepted()
		require.Len(t, events, 7)
		assert.Equal(t, []string{"queued"}, webhooktest.Actions(webhooktest.OfJob(events, newBuild)))
		assert.Equal(t, []string{"waiting"}, webhooktest.Actions(webhooktest.OfJob(events, newDeploy)))
		e := decodeEvent(t, webhooktest.OfJob(events, newBuild)[0])
		assert.EqualValues(t, 2, e.WorkflowJob.RunAttempt)
		assert.Equal(t, runID, e.WorkflowJob.RunID)

		// Re-run one job by GitHub's path once the attempt is over.
		again := fetch(t, r)
		require.NotNil(t, again)
		finish(t, r, again.Id, runnerv1.Result_RESULT_SUCCESS)
		deploy := fetch(t, r)
		require.NotNil(t, deploy)
		finish(t, r, deploy.Id, runnerv1.Result_RESULT_SUCCESS)
		res = admin.do(t, "POST", fmt.Sprintf("/api/v1/repos/acme/app/actions/jobs/%d/rerun", newDeploy), nil)
		require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
		res.decode(t, &run)
		assert.EqualValues(t, 3, run.RunAttempt)
		res = admin.do(t, "POST", fmt.Sprintf("%s/jobs/%d/rerun", base, newDeploy), nil)
		assert.Equal(t, http.StatusConflict, res.Status, "Gitea's path: the run is under way again")
		res = admin.do(t, "POST", fmt.Sprintf("/api/v1/repos/acme/app/actions/runs/%d/jobs/%d/rerun", runID+1000, newDeploy), nil)
		assert.Equal(t, http.StatusNotFound, res.Status, "a job named in a run it is not of")
	}, fastHooks)
}
