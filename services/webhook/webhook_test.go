package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	repo_model "code.runnerhub.dev/runnerhub/models/repo"
	user_model "code.runnerhub.dev/runnerhub/models/user"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// fastOptions deliver to loopback and retry within milliseconds.
func fastOptions() *options.Options {
	o := options.Default()
	o.Server.RootURL = "http://runnerhub.test/"
	o.Webhook.AllowedHostList = "loopback"
	o.Webhook.PollInterval = 20 * time.Millisecond
	o.Webhook.RetryBackoff = 10 * time.Millisecond
	o.Webhook.MaxRetryBackoff = 40 * time.Millisecond
	o.Webhook.MaxAttempts = 3
	return o
}

type fixture struct {
	actions *actions_service.Service
	hooks   *webhook_service.Service
	org     *user_model.User
	repo    *repo_model.Repository
	runner  *actions_model.Runner
}

func newFixture(t *testing.T, ctx context.Context, o *options.Options) *fixture {
	t.Helper()
	box := mustBox(t)
	f := &fixture{actions: actions_service.New(o, box)}
	var err error
	f.hooks, err = webhook_service.New(o, box, identity.NewStandalone())
	require.NoError(t, err)
	f.actions.SetJobObserver(f.hooks)
	f.org = &user_model.User{Name: "acme", IsOrg: true}
	require.NoError(t, user_model.CreateUser(ctx, f.org))
	f.repo = &repo_model.Repository{OwnerID: f.org.ID, Name: "app"}
	require.NoError(t, repo_model.CreateRepository(ctx, f.repo))
	tok, err := f.actions.DefaultRegistrationToken(ctx, identity.InstanceScope)
	require.NoError(t, err)
	reg, err := f.actions.Register(ctx, actions_service.RegisterInput{Name: "vm-1", RegistrationToken: tok, Labels: []string{"linux"}})
	require.NoError(t, err)
	f.runner = reg.Runner
	return f
}

func (f *fixture) repoScope() identity.Scope {
	return identity.ScopeOf(f.org.ID, f.repo.ID)
}

func (f *fixture) addHook(t *testing.T, ctx context.Context, scope identity.Scope, hookURL, secretText string) *webhook_model.Webhook {
	t.Helper()
	h, err := f.hooks.CreateHook(ctx, scope, webhook_service.HookInput{URL: &hookURL, Secret: &secretText}, 0)
	require.NoError(t, err)
	return h
}

// runOneJob queues a one-job run, has the runner take it and finish it:
// the queued, in_progress and completed events of that job.
func (f *fixture) runOneJob(t *testing.T, ctx context.Context) *actions_model.RunJob {
	t.Helper()
	_, jobs, err := f.actions.CreateRun(ctx, actions_service.RunInput{
		OwnerID: f.org.ID, RepoID: f.repo.ID, Title: "CI", WorkflowID: "ci.yml", Ref: "refs/heads/main",
		CommitSHA: strings.Repeat("ab", 20), Event: "push",
		Jobs: []actions_service.JobInput{{JobID: "build", Name: "build", RunsOn: []string{"linux"},
			WorkflowPayload: []byte("jobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: make\n")}},
	})
	require.NoError(t, err)
	res, err := f.actions.FetchTask(ctx, f.runner, 0)
	require.NoError(t, err)
	require.NotNil(t, res.Task)
	_, err = f.actions.UpdateTask(ctx, f.runner, actions_service.TaskStateInput{TaskID: res.Task.Task.ID, Result: actions_model.StatusSuccess})
	require.NoError(t, err)
	return jobs[0]
}

// settled waits until no delivery of the job is pending any more.
func settled(t *testing.T, ctx context.Context, jobID int64) []*webhook_model.HookTask {
	t.Helper()
	var tasks []*webhook_model.HookTask
	require.Eventually(t, func() bool {
		var err error
		tasks, err = webhook_model.FindHookTasksOfJob(ctx, jobID)
		require.NoError(t, err)
		for _, ht := range tasks {
			if ht.Status == webhook_model.HookTaskPending {
				return false
			}
		}
		return len(tasks) > 0
	}, 15*time.Second, 10*time.Millisecond)
	return tasks
}

func TestJobChanged_OneEventPerHookThatHearsTheRepository(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newFixture(t, ctx, fastOptions())
		other := &repo_model.Repository{OwnerID: f.org.ID, Name: "other"}
		require.NoError(t, repo_model.CreateRepository(ctx, other))
		repoHook := f.addHook(t, ctx, f.repoScope(), "http://127.0.0.1:1/repo", "")
		orgHook := f.addHook(t, ctx, identity.ScopeOf(f.org.ID, 0), "http://127.0.0.1:1/org", "")
		systemHook := f.addHook(t, ctx, identity.InstanceScope, "http://127.0.0.1:1/system", "")
		f.addHook(t, ctx, identity.ScopeOf(f.org.ID, other.ID), "http://127.0.0.1:1/other", "")
		inactive := f.addHook(t, ctx, f.repoScope(), "http://127.0.0.1:1/off", "")
		off := false
		_, err := f.hooks.UpdateHook(ctx, f.repoScope(), inactive.ID, webhook_service.HookInput{Active: &off})
		require.NoError(t, err)

		_, jobs, err := f.actions.CreateRun(ctx, actions_service.RunInput{
			OwnerID: f.org.ID, RepoID: f.repo.ID, Title: "CI", Ref: "refs/heads/main", CommitSHA: strings.Repeat("cd", 20),
			Jobs: []actions_service.JobInput{{JobID: "build", Name: "build", RunsOn: []string{"linux", "x64"}}},
		})
		require.NoError(t, err)
		tasks, err := webhook_model.FindHookTasksOfJob(ctx, jobs[0].ID)
		require.NoError(t, err)
		var hookIDs []int64
		for _, ht := range tasks {
			hookIDs = append(hookIDs, ht.HookID)
			assert.Equal(t, "queued", ht.Action)
			assert.Equal(t, webhook_model.HookTaskPending, ht.Status)
		}
		assert.ElementsMatch(t, []int64{repoHook.ID, orgHook.ID, systemHook.ID}, hookIDs)
		assert.NotEqual(t, tasks[0].DeliveryUUID, tasks[1].DeliveryUUID, "each webhook gets its own delivery id")

		var p struct {
			Action      string
			WorkflowJob struct {
				ID           int64    `json:"id"`
				RunID        int64    `json:"run_id"`
				Status       string   `json:"status"`
				Conclusion   *string  `json:"conclusion"`
				Labels       []string `json:"labels"`
				HeadSHA      string   `json:"head_sha"`
				HeadBranch   string   `json:"head_branch"`
				WorkflowName string   `json:"workflow_name"`
				RunURL       string   `json:"run_url"`
				RunnerID     *int64   `json:"runner_id"`
			} `json:"workflow_job"`
			Repository struct {
				FullName string `json:"full_name"`
			}
			Organization *struct{ Login string }
			Sender       struct{ Login string }
		}
		require.NoError(t, json.Unmarshal([]byte(tasks[0].Payload), &p))
		assert.Equal(t, "queued", p.Action)
		assert.Equal(t, jobs[0].ID, p.WorkflowJob.ID)
		assert.Equal(t, jobs[0].RunID, p.WorkflowJob.RunID)
		assert.Equal(t, "queued", p.WorkflowJob.Status)
		assert.Nil(t, p.WorkflowJob.Conclusion)
		assert.Nil(t, p.WorkflowJob.RunnerID, "no runner before in_progress")
		assert.Equal(t, []string{"linux", "x64"}, p.WorkflowJob.Labels)
		assert.Equal(t, strings.Repeat("cd", 20), p.WorkflowJob.HeadSHA)
		assert.Equal(t, "main", p.WorkflowJob.HeadBranch)
		assert.Equal(t, "CI", p.WorkflowJob.WorkflowName)
		assert.Equal(t, "http://runnerhub.test/api/v1/repos/acme/app/actions/runs/"+strconv.FormatInt(jobs[0].RunID, 10), p.WorkflowJob.RunURL)
		assert.Equal(t, "acme/app", p.Repository.FullName)
		require.NotNil(t, p.Organization)
		assert.Equal(t, "acme", p.Organization.Login)
		assert.Equal(t, "acme", p.Sender.Login)
	})
}

func TestDelivery_RetriesKeepTheDeliveryIDAndTheJobsOrder(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newFixture(t, ctx, fastOptions())
		rcv := webhooktest.New(t, func(d webhooktest.Delivery) int {
			if d.Action == "queued" && d.Attempt <= 2 {
				return http.StatusBadGateway // the first event fails twice
			}
			return 0
		})
		f.addHook(t, ctx, f.repoScope(), rcv.URL+"/hook", "s3cret")
		job := f.runOneJob(t, ctx) // all three events are written before any delivery
		f.hooks.Start(ctx)
		t.Cleanup(f.hooks.Stop)

		tasks := settled(t, ctx, job.ID)
		got := rcv.Deliveries()
		assert.Equal(t, []string{"queued", "queued", "queued", "in_progress", "completed"}, webhooktest.Actions(got))
		ids := []string{}
		for _, d := range got {
			ids = append(ids, d.Header.Get("X-GitHub-Delivery"))
			assert.Equal(t, d.Header.Get("X-GitHub-Delivery"), d.Header.Get("X-Gitea-Delivery"))
			assert.Equal(t, "workflow_job", d.Header.Get("X-GitHub-Event"))
			assert.Equal(t, "workflow_job", d.Header.Get("X-Gitea-Event"))
			m := hmac.New(sha256.New, []byte("s3cret"))
			m.Write(d.Body)
			sig := hex.EncodeToString(m.Sum(nil))
			assert.Equal(t, "sha256="+sig, d.Header.Get("X-Hub-Signature-256"))
			assert.Equal(t, sig, d.Header.Get("X-Gitea-Signature"))
		}
		assert.Equal(t, ids[0], ids[1], "a retry keeps the delivery id")
		assert.Equal(t, ids[0], ids[2])
		assert.NotEqual(t, ids[2], ids[3])

		require.Len(t, tasks, 3)
		assert.Equal(t, 3, tasks[0].Attempts)
		assert.Equal(t, http.StatusOK, tasks[0].ResponseStatus)
		assert.Equal(t, "thanks queued", tasks[0].ResponseBody)
		assert.Empty(t, tasks[0].LastError)
		for _, ht := range tasks {
			assert.Equal(t, webhook_model.HookTaskSucceeded, ht.Status)
			assert.Contains(t, ht.RequestHeaders, "X-Hub-Signature-256")
		}
	})
}

func TestDelivery_GivesUpAfterMaxAttemptsAndMovesOn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newFixture(t, ctx, fastOptions())
		rcv := webhooktest.New(t, func(d webhooktest.Delivery) int {
			if d.Action == "queued" {
				return http.StatusInternalServerError
			}
			return 0
		})
		f.addHook(t, ctx, f.repoScope(), rcv.URL, "")
		job := f.runOneJob(t, ctx)
		f.hooks.Start(ctx)
		t.Cleanup(f.hooks.Stop)

		tasks := settled(t, ctx, job.ID)
		assert.Equal(t, []string{"queued", "queued", "queued", "in_progress", "completed"}, webhooktest.Actions(rcv.Deliveries()),
			"the next event waits until the earlier one succeeded or was given up")
		assert.Equal(t, webhook_model.HookTaskFailed, tasks[0].Status)
		assert.Equal(t, 3, tasks[0].Attempts)
		assert.Contains(t, tasks[0].LastError, "500")
		assert.Empty(t, rcv.Deliveries()[0].Header.Get("X-Hub-Signature-256"), "no secret, no signature")
	})
}

func TestDelivery_RefusesLoopbackUnlessAllowed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		o := fastOptions()
		o.Webhook.AllowedHostList = "external"
		f := newFixture(t, ctx, o)
		rcv := webhooktest.New(t, nil)
		f.addHook(t, ctx, f.repoScope(), rcv.URL, "")
		job := f.runOneJob(t, ctx)
		f.hooks.Start(ctx)
		t.Cleanup(f.hooks.Stop)

		tasks := settled(t, ctx, job.ID)
		assert.Empty(t, rcv.Deliveries())
		for _, ht := range tasks {
			assert.Equal(t, webhook_model.HookTaskFailed, ht.Status)
			assert.Equal(t, 1, ht.Attempts, "a refused address is not retried")
			assert.Contains(t, ht.LastError, "ALLOWED_HOST_LIST")
		}
	})
}

func TestDelivery_TwoWorkerPoolsOnOneDatabaseDeliverEachEventOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		o := fastOptions()
		f := newFixture(t, ctx, o)
		second, err := webhook_service.New(o, mustBox(t), identity.NewStandalone())
		require.NoError(t, err)
		rcv := webhooktest.New(t, nil)
		f.addHook(t, ctx, f.repoScope(), rcv.URL, "")
		var jobIDs []int64
		for range 4 {
			jobIDs = append(jobIDs, f.runOneJob(t, ctx).ID)
		}
		f.hooks.Start(ctx)
		second.Start(ctx)
		t.Cleanup(f.hooks.Stop)
		t.Cleanup(second.Stop)
		for _, id := range jobIDs {
			settled(t, ctx, id)
		}
		seen := map[string]int{}
		for _, d := range rcv.Deliveries() {
			seen[d.Header.Get("X-GitHub-Delivery")]++
		}
		assert.Len(t, seen, 12)
		for id, n := range seen {
			assert.Equal(t, 1, n, "delivery %s", id)
		}
	})
}

func TestRedeliver_SameDeliveryIDAsANewAttempt(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newFixture(t, ctx, fastOptions())
		rcv := webhooktest.New(t, nil)
		hook := f.addHook(t, ctx, f.repoScope(), rcv.URL, "k")
		job := f.runOneJob(t, ctx)
		f.hooks.Start(ctx)
		t.Cleanup(f.hooks.Stop)
		first := settled(t, ctx, job.ID)[0]

		form := "form"
		_, err := f.hooks.UpdateHook(ctx, f.repoScope(), hook.ID, webhook_service.HookInput{ContentType: &form})
		require.NoError(t, err)
		again, err := f.hooks.Redeliver(ctx, f.repoScope(), hook.ID, first.ID)
		require.NoError(t, err)
		assert.True(t, again.IsRedelivery)
		require.Eventually(t, func() bool { return len(rcv.Deliveries()) == 4 }, 15*time.Second, 10*time.Millisecond)
		last := rcv.Deliveries()[3]
		assert.Equal(t, first.DeliveryUUID, last.Header.Get("X-GitHub-Delivery"))
		assert.Equal(t, "queued", last.Action)
		assert.True(t, strings.HasPrefix(string(last.Body), "payload="), "form bodies carry the JSON in payload=")
		assert.Equal(t, webhook_service.Sign(last.Body, "k"), last.Header.Get("X-Hub-Signature-256"), "the signature covers the body as sent")

		list, total, err := f.hooks.ListDeliveries(ctx, f.repoScope(), hook.ID, 1, 10)
		require.NoError(t, err)
		assert.EqualValues(t, 4, total)
		assert.Equal(t, again.ID, list[0].ID, "newest first")

		_, err = f.hooks.Redeliver(ctx, identity.InstanceScope, hook.ID, first.ID)
		assert.True(t, errors.Is(err, errs.NotFound), "another scope does not see the webhook: %v", err)
	})
}

func TestHooks_ValidateAndKeepTheSecretSealed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newFixture(t, ctx, fastOptions())
		str := func(s string) *string { return &s }
		for _, tc := range []struct {
			in   webhook_service.HookInput
			want string
		}{
			{webhook_service.HookInput{}, "config.url is required"},
			{webhook_service.HookInput{URL: str("ftp://example.com/")}, "absolute http or https"},
			{webhook_service.HookInput{URL: str("/relative")}, "absolute http or https"},
			{webhook_service.HookInput{URL: str("https://example.com"), ContentType: str("xml")}, "content_type"},
			{webhook_service.HookInput{URL: str("https://example.com"), Events: []string{"push"}}, `event "push"`},
			{webhook_service.HookInput{URL: str("https://example.com"), Events: []string{}}, "events must name"},
		} {
			_, err := f.hooks.CreateHook(ctx, f.repoScope(), tc.in, 0)
			assert.True(t, errors.Is(err, errs.InvalidArgument), "%+v: %v", tc.in, err)
			assert.ErrorContains(t, err, tc.want)
		}
		hooks, _, err := f.hooks.ListHooks(ctx, f.repoScope(), db.Page{})
		require.NoError(t, err)
		assert.Empty(t, hooks, "refused input stores nothing")

		h, err := f.hooks.CreateHook(ctx, f.repoScope(), webhook_service.HookInput{URL: str("https://example.com/h"), Secret: str("top-secret")}, 0)
		require.NoError(t, err)
		assert.Equal(t, []string{"workflow_job"}, h.EventList())
		assert.NotContains(t, h.SecretCipher, "top-secret")
		assert.True(t, webhook_service.HasSecret(h))

		h, err = f.hooks.UpdateHook(ctx, f.repoScope(), h.ID, webhook_service.HookInput{URL: str("https://example.com/new")})
		require.NoError(t, err)
		assert.True(t, webhook_service.HasSecret(h), "a nil secret keeps the stored one")
		_, err = f.hooks.UpdateHook(ctx, f.repoScope(), h.ID, webhook_service.HookInput{URL: str("nope")})
		require.Error(t, err)
		stored, err := f.hooks.GetHook(ctx, f.repoScope(), h.ID)
		require.NoError(t, err)
		assert.Equal(t, "https://example.com/new", stored.URL, "a refused update changes nothing")

		_, err = f.hooks.GetHook(ctx, identity.ScopeOf(f.org.ID, 0), h.ID)
		assert.True(t, errors.Is(err, errs.NotFound), "the org scope does not reach a repository's webhook")
		require.NoError(t, f.hooks.DeleteHook(ctx, f.repoScope(), h.ID))
		assert.True(t, errors.Is(f.hooks.DeleteHook(ctx, f.repoScope(), h.ID), errs.NotFound))
	})
}

func mustBox(t *testing.T) *secret.Box {
	b, err := secret.NewBox("unit-test-key")
	require.NoError(t, err)
	return b
}

func TestDelivery_A4xxIsFinalAndHoldsNothingBack(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newFixture(t, ctx, fastOptions())
		rcv := webhooktest.New(t, func(d webhooktest.Delivery) int {
			switch {
			case d.Action == "queued":
				return http.StatusUnprocessableEntity // GARM: a job it does not track
			case d.Action == "in_progress" && d.Attempt == 1:
				return http.StatusTooManyRequests // slow down: retried, in order
			}
			return 0
		})
		f.addHook(t, ctx, f.repoScope(), rcv.URL, "")
		job := f.runOneJob(t, ctx)
		f.hooks.Start(ctx)
		t.Cleanup(f.hooks.Stop)

		tasks := settled(t, ctx, job.ID)
		assert.Equal(t, []string{"queued", "in_progress", "in_progress", "completed"}, webhooktest.Actions(rcv.Deliveries()),
			"the refused event is sent once; a 429 is tried again before the next event")
		require.Len(t, tasks, 3)
		assert.Equal(t, webhook_model.HookTaskFailed, tasks[0].Status, "the receiver's answer is final")
		assert.Equal(t, 1, tasks[0].Attempts)
		assert.Equal(t, http.StatusUnprocessableEntity, tasks[0].ResponseStatus)
		assert.Equal(t, webhook_model.HookTaskSucceeded, tasks[1].Status)
		assert.Equal(t, 2, tasks[1].Attempts)
		assert.Equal(t, webhook_model.HookTaskSucceeded, tasks[2].Status)
	})
}

func TestDelivery_HeadersNameTheHooksScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		f := newFixture(t, ctx, fastOptions())
		rcv := webhooktest.New(t, nil)
		repoHook := f.addHook(t, ctx, f.repoScope(), rcv.URL+"/repo", "k")
		orgHook := f.addHook(t, ctx, identity.ScopeOf(f.org.ID, 0), rcv.URL+"/org", "k")
		sysHook := f.addHook(t, ctx, identity.InstanceScope, rcv.URL+"/system", "k")
		job := f.runOneJob(t, ctx)
		f.hooks.Start(ctx)
		t.Cleanup(f.hooks.Stop)
		settled(t, ctx, job.ID)

		want := map[int64]string{repoHook.ID: "repository", orgHook.ID: "organization", sysHook.ID: "system"}
		targetIDs := map[int64]string{repoHook.ID: strconv.FormatInt(f.repo.ID, 10), orgHook.ID: strconv.FormatInt(f.org.ID, 10), sysHook.ID: ""}
		got := rcv.Deliveries()
		require.Len(t, got, 9)
		for _, d := range got {
			hookID, err := strconv.ParseInt(d.Header.Get("X-Gitea-Hook-ID"), 10, 64)
			require.NoError(t, err)
			assert.Equal(t, want[hookID], d.Header.Get("X-Gitea-Hook-Installation-Target-Type"))
			assert.Equal(t, want[hookID], d.Header.Get("X-GitHub-Hook-Installation-Target-Type"))
			assert.Equal(t, targetIDs[hookID], d.Header.Get("X-GitHub-Hook-Installation-Target-ID"))
			for _, prefix := range []string{"X-GitHub-", "X-Gitea-", "X-Gogs-"} {
				assert.Equal(t, "workflow_job", d.Header.Get(prefix+"Event"))
				assert.Equal(t, "workflow_job", d.Header.Get(prefix+"Event-Type"))
				assert.Equal(t, d.ID(), d.Header.Get(prefix+"Delivery"))
			}
			assert.Equal(t, webhook_service.Sign(d.Body, "k"), d.Header.Get("X-Hub-Signature-256"))
			assert.Equal(t, webhook_service.SignSHA1(d.Body, "k"), d.Header.Get("X-Hub-Signature"))
			assert.Equal(t, d.Header.Get("X-Gitea-Signature"), d.Header.Get("X-Gogs-Signature"))
			assert.NotEqual(t, webhook_service.SignSHA1(d.Body, "other"), d.Header.Get("X-Hub-Signature"))
		}

		user := &user_model.User{Name: "alice"}
		require.NoError(t, user_model.CreateUser(ctx, user))
		userHook := f.addHook(t, ctx, identity.ScopeOf(user.ID, 0), rcv.URL+"/user", "")
		target, err := f.hooks.TargetType(ctx, userHook)
		require.NoError(t, err)
		assert.Equal(t, "user", target, "a user's own webhook")
	})
}
