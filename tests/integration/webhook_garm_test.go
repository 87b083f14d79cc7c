package integration

import (
	"net/http"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// slowRetries makes a retried delivery wait a minute: an event held back
// behind one would not arrive within the tests' waits.
func slowRetries(o *options.Options) {
	o.Webhook.RetryBackoff = time.Minute
	o.Webhook.MaxRetryBackoff = time.Minute
}

// anyRunner is a GARM that made every runner the test registers.
func anyRunner(string) bool { return true }

// addHookAt creates a webhook through the REST API at a scope's prefix:
// /repos/{o}/{r}, /orgs/{org} or /admin.
func addHookAt(t *testing.T, c apiCaller, prefix, url, secret string) {
	t.Helper()
	res := c.do(t, "POST", "/api/v1"+prefix+"/hooks", map[string]any{
		"type": "gitea", "events": []string{"workflow_job"}, "active": true, "branch_filter": "*",
		"config": map[string]string{"url": url, "content_type": "json", "secret": secret, "http_method": "post"},
	})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
}

// hookRowsOfJob waits until the job has n deliveries, all settled.
func hookRowsOfJob(t *testing.T, s *testserver.Server, jobID int64, n int) []*webhook_model.HookTask {
	t.Helper()
	return settledRows(t, n, func() ([]*webhook_model.HookTask, error) { return webhook_model.FindHookTasksOfJob(s.Ctx, jobID) })
}

// acmeApp makes an admin, the organization acme and its repository app.
func acmeApp(t *testing.T, s *testserver.Server) apiCaller {
	t.Helper()
	root, admin := newUser(t, s, "root", true)
	acme, err := s.App.Accounts().CreateOrg(s.Ctx, root, "acme")
	require.NoError(t, err)
	_, err = s.App.Accounts().CreateRepo(s.Ctx, root, acme, "app")
	require.NoError(t, err)
	return admin
}

func TestGARM_JobWithNeedsIsQueuedPromptlyPastARefusedWaiting(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		admin := acmeApp(t, s)
		garm := newGARMReceiver(t, s.URL, anyRunner, garmPool{target: "repository", entity: "acme/app", labels: []string{"linux"}, secret: "garm-secret"})
		addHookAt(t, admin, "/repos/acme/app", garm.URL+"/webhooks", "garm-secret")
		startRun(t, admin, "acme/app", twoJobWorkflow)

		vm1 := instanceRunner(t, s, "garm-vm-1", true, "linux")
		build := fetch(t, vm1)
		require.NotNil(t, build)
		finishWithSteps(t, vm1, build, 2)
		var deployID int64
		require.Eventually(t, func() bool {
			for _, a := range garm.Answers() {
				if a.Job.WorkflowJob.Name == "deploy" && a.Job.Action == "queued" {
					deployID = a.Job.WorkflowJob.ID
					return a.Status == http.StatusOK
				}
			}
			return false
		}, 20*time.Second, 20*time.Millisecond, "deploy's queued reaches GARM, not held behind its refused waiting (a retry would wait a minute)")
		assert.Equal(t, "queued", garm.Recorded(deployID), "GARM tracks the job and will make it a runner")

		vm2 := instanceRunner(t, s, "garm-vm-2", true, "linux")
		deploy := fetch(t, vm2)
		require.NotNil(t, deploy)
		finish(t, vm2, deploy.Id, runnerv1.Result_RESULT_SUCCESS)
		rows := hookRowsOfJob(t, s, deployID, 4)

		events := garm.OfJob(deployID)
		require.Len(t, events, 4, "each action reaches GARM once")
		assert.Equal(t, "waiting", events[0].Job.Action)
		assert.Equal(t, http.StatusUnprocessableEntity, events[0].Status, "GARM does not track a waiting job")
		assert.Equal(t, webhook_model.HookTaskFailed, rows[0].Status, "the refusal is final")
		assert.Equal(t, 1, rows[0].Attempts, "and never retried")
		for i, want := range []string{"queued", "in_progress", "completed"} {
			assert.Equal(t, want, events[i+1].Job.Action)
			assert.Equal(t, http.StatusOK, events[i+1].Status, "%s: %s", want, events[i+1].Reason)
		}
		assert.Equal(t, "completed", garm.Recorded(deployID))
		assert.Equal(t, "garm-vm-2", events[3].Job.WorkflowJob.RunnerName, "GARM retires the runner the job names")

		for _, a := range garm.Answers() {
			assert.True(t, a.Gitea, "GARM takes the Gitea path")
			assert.Equal(t, "repository", a.Target)
			assert.NotEqual(t, http.StatusBadRequest, a.Status, "no status goes back: %s", a.Reason)
			assert.NotEqual(t, http.StatusUnauthorized, a.Status, "signed with the hook's secret")
			assert.NotEmpty(t, a.Job.WorkflowJob.NodeID)
			assert.NotEmpty(t, a.Job.WorkflowJob.CheckRunURL)
			assert.EqualValues(t, 1, a.Job.WorkflowJob.RunAttempt)
			assert.Equal(t, "acme", a.Job.Organization.Name)
			assert.Equal(t, "acme", a.Job.Organization.Login)
			assert.NotEmpty(t, a.Job.Organization.AvatarURL)
			if a.Job.Action == "queued" || a.Job.Action == "waiting" {
				assert.True(t, a.Job.WorkflowJob.StartedAt.IsZero(), "started_at is null until the job starts")
			} else {
				assert.False(t, a.Job.WorkflowJob.StartedAt.IsZero())
			}
		}
	}, fastHooks, slowRetries)
}

func TestGARM_RequeuedJobEndsAndComesBackAsANewJob(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		repo := s.CreateRepo(t, "octo", "app")
		garm := newGARMReceiver(t, s.URL, anyRunner, garmPool{target: "repository", entity: "octo/app", labels: []string{"linux"}})
		addHookAt(t, admin, "/repos/octo/app", garm.URL, "")
		oldID := s.QueueJobs(t, repo, []string{"linux"})[0]
		lost := instanceRunner(t, s, "lost-vm", true, "linux")
		require.NotNil(t, fetch(t, lost))
		hookRowsOfJob(t, s, oldID, 2)

		// The runner goes silent before it starts a step: the job is given back.
		s.Actions.SetClock(func() time.Time { return time.Now().Add(11 * time.Minute) })
		_, err := s.Actions.RunMaintenance(s.Ctx)
		s.Actions.SetClock(time.Now)
		require.NoError(t, err)
		var newID int64
		require.Eventually(t, func() bool {
			for _, a := range garm.Answers() {
				if a.Job.Action == "queued" && a.Job.WorkflowJob.ID != oldID {
					newID = a.Job.WorkflowJob.ID
					return true
				}
			}
			return false
		}, 20*time.Second, 20*time.Millisecond)
		next := instanceRunner(t, s, "next-vm", true, "linux")
		task := fetch(t, next)
		require.NotNil(t, task)
		finish(t, next, task.Id, runnerv1.Result_RESULT_SUCCESS)
		hookRowsOfJob(t, s, newID, 3)

		old := garm.OfJob(oldID)
		require.Len(t, old, 3)
		for i, want := range []string{"queued", "in_progress", "completed"} {
			assert.Equal(t, want, old[i].Job.Action)
			assert.Equal(t, http.StatusOK, old[i].Status, "%s: %s", want, old[i].Reason)
		}
		assert.Equal(t, "failure", old[2].Job.WorkflowJob.Conclusion, "the lost attempt ended")
		assert.Equal(t, "lost-vm", old[2].Job.WorkflowJob.RunnerName, "naming the runner GARM should retire")
		renewed := garm.OfJob(newID)
		require.Len(t, renewed, 3)
		for i, want := range []string{"queued", "in_progress", "completed"} {
			assert.Equal(t, want, renewed[i].Job.Action)
			assert.Equal(t, http.StatusOK, renewed[i].Status, "%s: %s", want, renewed[i].Reason)
		}
		assert.Equal(t, old[0].Job.WorkflowJob.RunID, renewed[0].Job.WorkflowJob.RunID, "the same run")
		assert.Equal(t, old[0].Job.WorkflowJob.RunAttempt, renewed[0].Job.WorkflowJob.RunAttempt, "of the same attempt")
		assert.Equal(t, "next-vm", renewed[2].Job.WorkflowJob.RunnerName)
		assert.Equal(t, "success", renewed[2].Job.WorkflowJob.Conclusion)
		assert.Len(t, garm.Answers(), 6, "no event is repeated")
	}, fastHooks)
}

func TestGARM_OrgAndSystemHooksMatchTheirPools(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		admin := acmeApp(t, s)
		orgGARM := newGARMReceiver(t, s.URL, anyRunner, garmPool{target: "organization", entity: "acme", labels: []string{"linux"}, secret: "o"})
		sysGARM := newGARMReceiver(t, s.URL, anyRunner, garmPool{target: "system", labels: []string{"linux"}, secret: "s"})
		addHookAt(t, admin, "/orgs/acme", orgGARM.URL, "o")
		addHookAt(t, admin, "/admin", sysGARM.URL, "s")
		startRun(t, admin, "acme/app", `name: CI
on: push
jobs:
  build:
    runs-on: linux
    steps:
      - run: make
`)
		vm := instanceRunner(t, s, "vm", true, "linux")
		task := fetch(t, vm)
		require.NotNil(t, task)
		finish(t, vm, task.Id, runnerv1.Result_RESULT_SUCCESS)

		for name, g := range map[string]*garmReceiver{"organization": orgGARM, "system": sysGARM} {
			require.Eventually(t, func() bool { return len(g.Answers()) == 3 }, 20*time.Second, 20*time.Millisecond, name)
			for _, a := range g.Answers() {
				assert.Equal(t, name, a.Target)
				assert.Equal(t, http.StatusOK, a.Status, "%s %s: %s", name, a.Job.Action, a.Reason)
				assert.Equal(t, "recorded", a.Reason, "%s: the %s pool took it", a.Job.Action, name)
			}
			assert.Equal(t, "completed", g.Recorded(g.Answers()[0].Job.WorkflowJob.ID))
		}
	}, fastHooks)
}
