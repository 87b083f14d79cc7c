package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/options"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// fastHooks lets deliveries reach the loopback receiver and retry at once.
func fastHooks(o *options.Options) {
	o.Webhook.AllowedHostList = "loopback"
	o.Webhook.PollInterval = 20 * time.Millisecond
	o.Webhook.RetryBackoff = 10 * time.Millisecond
	o.Webhook.MaxRetryBackoff = 40 * time.Millisecond
}

const twoJobWorkflow = `name: CI
on: push
jobs:
  build:
    runs-on: linux
    steps:
      - name: Compile
        run: make
      - run: make test
  deploy:
    runs-on: [linux]
    needs: build
    steps:
      - uses: actions/checkout@v4
`

// jobEvent is the part of a workflow_job payload the tests read.
type jobEvent struct {
	Action      string `json:"action"`
	WorkflowJob struct {
		ID              int64    `json:"id"`
		RunID           int64    `json:"run_id"`
		RunAttempt      int64    `json:"run_attempt"`
		RunURL          string   `json:"run_url"`
		HTMLURL         string   `json:"html_url"`
		HeadSHA         string   `json:"head_sha"`
		HeadBranch      string   `json:"head_branch"`
		WorkflowName    string   `json:"workflow_name"`
		Name            string   `json:"name"`
		Status          string   `json:"status"`
		Conclusion      *string  `json:"conclusion"`
		CreatedAt       string   `json:"created_at"`
		StartedAt       *string  `json:"started_at"`
		CompletedAt     *string  `json:"completed_at"`
		Labels          []string `json:"labels"`
		RunnerID        *int64   `json:"runner_id"`
		RunnerName      *string  `json:"runner_name"`
		RunnerGroupID   *int64   `json:"runner_group_id"`
		RunnerGroupName *string  `json:"runner_group_name"`
		Steps           []struct {
			Name       string  `json:"name"`
			Status     string  `json:"status"`
			Conclusion *string `json:"conclusion"`
			Number     int64   `json:"number"`
		} `json:"steps"`
	} `json:"workflow_job"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Organization *struct {
		Login string `json:"login"`
	} `json:"organization"`
	Sender struct {
		Login string `json:"login"`
	} `json:"sender"`
}

func decodeEvent(t *testing.T, d webhooktest.Delivery) jobEvent {
	t.Helper()
	var e jobEvent
	require.NoError(t, json.Unmarshal(d.Payload, &e), "%s", d.Payload)
	return e
}

// addRepoHook creates a repository webhook through the REST API.
func addRepoHook(t *testing.T, c apiCaller, fullName, url, secret string) {
	t.Helper()
	res := c.do(t, "POST", "/api/v1/repos/"+fullName+"/hooks", map[string]any{
		"type": "gitea", "events": []string{"workflow_job"}, "active": true,
		"config": map[string]string{"url": url, "content_type": "json", "secret": secret},
	})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
}

// startRun posts a workflow to the intake and returns the run id.
func startRun(t *testing.T, c apiCaller, fullName, workflow string) int64 {
	t.Helper()
	res := c.do(t, "POST", "/api/v1/repos/"+fullName+"/actions/runs", map[string]any{
		"workflow": workflow, "workflow_id": "ci.yml", "ref": "main", "sha": "0123456789abcdef0123456789abcdef01234567", "event": "push",
	})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var run struct{ ID int64 }
	res.decode(t, &run)
	return run.ID
}

// finishWithSteps reports every step successful and the task done.
func finishWithSteps(t *testing.T, r *testserver.Runner, task *runnerv1.Task, steps int) {
	t.Helper()
	state := &runnerv1.TaskState{Id: task.Id, Result: runnerv1.Result_RESULT_SUCCESS, StartedAt: timestamppb.Now(), StoppedAt: timestamppb.Now()}
	for i := range steps {
		state.Steps = append(state.Steps, &runnerv1.StepState{Id: int64(i), Result: runnerv1.Result_RESULT_SUCCESS, StartedAt: timestamppb.Now(), StoppedAt: timestamppb.Now()})
	}
	_, err := r.Client.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{State: state}))
	require.NoError(t, err)
}

// allDelivered waits until the outbox has n rows and none is pending.
func allDelivered(t *testing.T, s *testserver.Server, n int) []*webhook_model.HookTask {
	t.Helper()
	return settledRows(t, n, func() ([]*webhook_model.HookTask, error) {
		var rows []*webhook_model.HookTask
		return rows, s.Engine.Asc("id").Find(&rows)
	})
}

// settledRows waits until find returns at least n deliveries and none is pending.
func settledRows(t *testing.T, n int, find func() ([]*webhook_model.HookTask, error)) []*webhook_model.HookTask {
	t.Helper()
	var rows []*webhook_model.HookTask
	require.Eventually(t, func() bool {
		var err error
		rows, err = find()
		require.NoError(t, err)
		if len(rows) < n {
			return false
		}
		for _, r := range rows {
			if r.Status == webhook_model.HookTaskPending {
				return false
			}
		}
		return true
	}, 20*time.Second, 20*time.Millisecond)
	return rows
}

func TestWebhook_TwoJobRunSendsEveryEventInOrderSigned(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		rcv := webhooktest.New(t, nil)
		root, admin := newUser(t, s, "root", true)
		acme, err := s.App.Accounts().CreateOrg(s.Ctx, root, "acme")
		require.NoError(t, err)
		_, err = s.App.Accounts().CreateRepo(s.Ctx, root, acme, "app")
		require.NoError(t, err)
		addRepoHook(t, admin, "acme/app", rcv.URL+"/hook", "hook-secret")
		runID := startRun(t, admin, "acme/app", twoJobWorkflow)

		vm1 := instanceRunner(t, s, "vm-1", true, "linux")
		build := fetch(t, vm1)
		require.NotNil(t, build)
		finishWithSteps(t, vm1, build, 2)
		finishWithSteps(t, vm1, build, 2) // act_runner retries its final report; Gitea would send a second completed
		vm2 := instanceRunner(t, s, "vm-2", true, "linux")
		deploy := fetch(t, vm2)
		require.NotNil(t, deploy)
		finish(t, vm2, deploy.Id, runnerv1.Result_RESULT_FAILURE)

		rows := allDelivered(t, s, 7)
		assert.Len(t, rows, 7, "one event per state change, and one completed per job")
		got := rcv.Accepted()
		require.Len(t, got, 7)
		buildEvents, deployEvents := webhooktest.OfJob(got, rows[0].JobID), webhooktest.OfJob(got, rows[1].JobID)
		assert.Equal(t, []string{"queued", "in_progress", "completed"}, webhooktest.Actions(buildEvents))
		assert.Equal(t, []string{"waiting", "queued", "in_progress", "completed"}, webhooktest.Actions(deployEvents))

		ids := map[string]bool{}
		for _, d := range got {
			assert.Equal(t, "workflow_job", d.Header.Get("X-GitHub-Event"))
			assert.Equal(t, "workflow_job", d.Header.Get("X-Gitea-Event"))
			assert.Equal(t, d.ID(), d.Header.Get("X-Gitea-Delivery"))
			assert.Equal(t, webhook_service.Sign(d.Body, "hook-secret"), d.Header.Get("X-Hub-Signature-256"))
			assert.Equal(t, d.Header.Get("X-Hub-Signature-256"), "sha256="+d.Header.Get("X-Gitea-Signature"))
			assert.NotEqual(t, webhook_service.Sign(d.Body, "another-secret"), d.Header.Get("X-Hub-Signature-256"))
			ids[d.ID()] = true
		}
		assert.Len(t, ids, 7, "every event has its own delivery id")

		queued := decodeEvent(t, buildEvents[0])
		assert.Equal(t, "queued", queued.WorkflowJob.Status)
		assert.Equal(t, runID, queued.WorkflowJob.RunID)
		assert.EqualValues(t, 1, queued.WorkflowJob.RunAttempt)
		assert.Equal(t, "build", queued.WorkflowJob.Name)
		assert.Equal(t, "CI", queued.WorkflowJob.WorkflowName)
		assert.Equal(t, "main", queued.WorkflowJob.HeadBranch)
		assert.Equal(t, "0123456789abcdef0123456789abcdef01234567", queued.WorkflowJob.HeadSHA)
		assert.Equal(t, []string{"linux"}, queued.WorkflowJob.Labels)
		assert.Equal(t, s.URL+"/api/v1/repos/acme/app/actions/runs/"+strconv.FormatInt(runID, 10), queued.WorkflowJob.RunURL)
		assert.NotEmpty(t, queued.WorkflowJob.CreatedAt)
		assert.Nil(t, queued.WorkflowJob.StartedAt)
		assert.Nil(t, queued.WorkflowJob.RunnerID)
		assert.Nil(t, queued.WorkflowJob.RunnerName)
		assert.Nil(t, queued.WorkflowJob.Conclusion)
		assert.Equal(t, "acme/app", queued.Repository.FullName)
		require.NotNil(t, queued.Organization)
		assert.Equal(t, "acme", queued.Organization.Login)
		assert.Equal(t, "root", queued.Sender.Login, "the user who started the run")

		started := decodeEvent(t, buildEvents[1])
		assert.Equal(t, "in_progress", started.WorkflowJob.Status)
		require.NotNil(t, started.WorkflowJob.RunnerID)
		assert.Equal(t, vm1.ID, *started.WorkflowJob.RunnerID)
		require.NotNil(t, started.WorkflowJob.RunnerName)
		assert.Equal(t, "vm-1", *started.WorkflowJob.RunnerName)
		assert.NotNil(t, started.WorkflowJob.RunnerGroupID)
		assert.NotNil(t, started.WorkflowJob.RunnerGroupName)
		assert.NotNil(t, started.WorkflowJob.StartedAt)
		assert.Nil(t, started.WorkflowJob.CompletedAt)

		done := decodeEvent(t, buildEvents[2])
		assert.Equal(t, "completed", done.WorkflowJob.Status)
		require.NotNil(t, done.WorkflowJob.Conclusion)
		assert.Equal(t, "success", *done.WorkflowJob.Conclusion)
		assert.NotNil(t, done.WorkflowJob.CompletedAt)
		assert.Equal(t, "vm-1", *done.WorkflowJob.RunnerName, "the retired ephemeral runner is still named")
		require.Len(t, done.WorkflowJob.Steps, 2)
		assert.Equal(t, "Compile", done.WorkflowJob.Steps[0].Name)
		assert.Equal(t, "Run make test", done.WorkflowJob.Steps[1].Name)
		assert.Equal(t, "completed", done.WorkflowJob.Steps[1].Status)
		assert.Equal(t, "success", *done.WorkflowJob.Steps[1].Conclusion)
		assert.EqualValues(t, 2, done.WorkflowJob.Steps[1].Number)

		waiting := decodeEvent(t, deployEvents[0])
		assert.Equal(t, "waiting", waiting.WorkflowJob.Status)
		failed := decodeEvent(t, deployEvents[3])
		assert.Equal(t, "failure", *failed.WorkflowJob.Conclusion)
		assert.Equal(t, "vm-2", *failed.WorkflowJob.RunnerName)
	}, fastHooks)
}

func TestWebhook_ReceiverFailingTwiceGetsEachEventOnceMore(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		rcv := webhooktest.New(t, func(d webhooktest.Delivery) int {
			if d.Attempt <= 2 {
				return http.StatusServiceUnavailable
			}
			return 0
		})
		_, admin := newUser(t, s, "root", true)
		repo := s.CreateRepo(t, "octo", "app")
		addRepoHook(t, admin, "octo/app", rcv.URL, "k")
		s.QueueJobs(t, repo, []string{"linux"})
		r := instanceRunner(t, s, "vm", false, "linux")
		task := fetch(t, r)
		require.NotNil(t, task)
		finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS)

		rows := allDelivered(t, s, 3)
		all := rcv.Deliveries()
		require.Len(t, all, 9, "three attempts per event: two refused, one accepted")
		assert.Equal(t, []string{"queued", "in_progress", "completed"}, webhooktest.Actions(rcv.Accepted()))
		for i, d := range all {
			assert.Equal(t, i%3+1, d.Attempt, "an event is retried until accepted before the next one goes: %v", webhooktest.Actions(all))
			assert.Equal(t, all[i-i%3].ID(), d.ID(), "retries keep the delivery id")
		}
		for _, row := range rows {
			assert.Equal(t, webhook_model.HookTaskSucceeded, row.Status)
			assert.Equal(t, 3, row.Attempts)
		}
		status, metrics := scrapeMetrics(t, s, "")
		require.Equal(t, http.StatusOK, status)
		assert.Contains(t, metrics, `runnerhub_webhook_deliveries_total{outcome="failure"} 6`)
		assert.Contains(t, metrics, `runnerhub_webhook_deliveries_total{outcome="success"} 3`)
	}, fastHooks)
}

func TestWebhook_EventSurvivesARestartBeforeDelivery(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			rcv := webhooktest.New(t, nil)
			// The first server changes the job and stops before any delivery:
			// it runs no delivery workers, as if it died right after the commit.
			first := testserver.Start(t, b, fastHooks, func(o *options.Options) { o.Webhook.DeliveryWorkers = 0 })
			_, admin := newUser(t, first, "root", true)
			repo := first.CreateRepo(t, "octo", "app")
			addRepoHook(t, admin, "octo/app", rcv.URL, "k")
			jobID := first.QueueJobs(t, repo, []string{"linux"})[0]
			pending, err := webhook_model.FindHookTasksOfJob(first.Ctx, jobID)
			require.NoError(t, err)
			require.Len(t, pending, 1)
			require.Equal(t, webhook_model.HookTaskPending, pending[0].Status)
			first.Stop()
			assert.Empty(t, rcv.Deliveries())

			o := *first.Opts
			o.Webhook.DeliveryWorkers = 4
			second := testserver.StartOn(t, &o)
			require.Eventually(t, func() bool { return len(rcv.Accepted()) == 1 }, 20*time.Second, 20*time.Millisecond)
			d := rcv.Accepted()[0]
			assert.Equal(t, "queued", d.Action)
			assert.Equal(t, jobID, d.JobID)
			assert.Equal(t, pending[0].DeliveryUUID, d.ID(), "the delivery id was fixed when the event was written")
			assert.Equal(t, webhook_service.Sign(d.Body, "k"), d.Header.Get("X-Hub-Signature-256"))

			// The restarted server carries on with the same job.
			r := instanceRunner(t, second, "vm", false, "linux")
			require.NotNil(t, fetch(t, r))
			require.Eventually(t, func() bool { return len(rcv.Accepted()) == 2 }, 20*time.Second, 20*time.Millisecond)
			assert.Equal(t, "in_progress", rcv.Accepted()[1].Action)
		})
	}
}
