package integration

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// jitAnswer is GitHub's generate-jitconfig answer as a client reads it.
type jitAnswer struct {
	Runner struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Status    string `json:"status"`
		Busy      bool   `json:"busy"`
		Ephemeral bool   `json:"ephemeral"`
		Labels    []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"labels"`
		RunnerGroupID   *int64  `json:"runner_group_id"`
		RunnerGroupName *string `json:"runner_group_name"`
	} `json:"runner"`
	EncodedJITConfig string `json:"encoded_jit_config"`
}

const jitPath = "/actions/runners/generate-jitconfig"

// generateJIT asks for a JIT config at prefix and decodes the runner file
// in it, after checking the member names act_runner reads, exactly.
func generateJIT(t *testing.T, c apiCaller, prefix string, body map[string]any) (jitAnswer, *actions_service.RunnerFile) {
	t.Helper()
	res := c.do(t, "POST", "/api/v1"+prefix+jitPath, body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var ans jitAnswer
	res.decode(t, &ans)
	raw, err := base64.StdEncoding.DecodeString(ans.EncodedJITConfig)
	require.NoError(t, err, "standard base64")
	var members map[string]any
	require.NoError(t, json.Unmarshal(raw, &members))
	for _, k := range []string{"id", "uuid", "name", "token", "address", "labels", "ephemeral"} {
		assert.Contains(t, members, k, "act_runner reads %q with this exact name", k)
	}
	f, err := actions_service.DecodeJITConfig(ans.EncodedJITConfig)
	require.NoError(t, err)
	return ans, f
}

// TestJITConfigAPI_EachScopeRunsOneJobWithTheConfigAlone makes a JIT
// runner at each of the four scopes and runs a job with nothing but the
// config's credentials, through the protocol's own client.
func TestJITConfigAPI_EachScopeRunsOneJobWithTheConfigAlone(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		acmeApp := testserver.Repo{OwnerID: w.acme.OwnerID(), RepoID: w.app.ID, Owner: "acme", Name: "app"}
		own := s.CreateRepo(t, "orgowner", "mine")
		for _, c := range []struct {
			prefix  string
			caller  apiCaller
			repo    testserver.Repo
			grouped bool
		}{
			{"/admin", w.admin, acmeApp, true},
			{"/orgs/acme", w.owner, acmeApp, true},
			{"/user", w.owner, own, true},
			{"/repos/acme/app", w.owner, acmeApp, false},
		} {
			t.Run(strings.TrimPrefix(c.prefix, "/"), func(t *testing.T) {
				label := "jit-" + strings.ReplaceAll(strings.TrimPrefix(c.prefix, "/"), "/", "-")
				ans, f := generateJIT(t, c.caller, c.prefix, map[string]any{
					"name": "<b>" + label + "</b>", "labels": []string{label + ":host"}, "work_folder": "_work",
				})
				assert.Equal(t, ans.Runner.ID, f.ID)
				assert.Equal(t, "<b>"+label+"</b>", ans.Runner.Name)
				assert.Equal(t, ans.Runner.Name, f.Name)
				assert.Equal(t, "offline", ans.Runner.Status, "not in touch yet")
				assert.True(t, ans.Runner.Ephemeral)
				assert.True(t, f.Ephemeral)
				require.Len(t, ans.Runner.Labels, 1)
				assert.Equal(t, label, ans.Runner.Labels[0].Name)
				assert.Equal(t, []string{label + ":host"}, f.Labels, "the file keeps the label's scheme")
				assert.Equal(t, s.URL, f.Address, "ROOT_URL, where act_runner adds /api/actions")
				if c.grouped {
					require.NotNil(t, ans.Runner.RunnerGroupID)
					assert.Equal(t, "Default", *ans.Runner.RunnerGroupName)
				} else {
					assert.Nil(t, ans.Runner.RunnerGroupID, "a repository's runner is in no group")
				}

				rc := s.RunnerClient(f.UUID, f.Token)
				ctx := context.Background()
				_, err := rc.Declare(ctx, connect.NewRequest(&runnerv1.DeclareRequest{Version: "v0.2.13", Labels: []string{label}}))
				require.NoError(t, err, "the config's token is the runner's credential")
				jobs := s.QueueJobs(t, c.repo, []string{label}, []string{label})
				res, err := rc.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				require.NoError(t, err)
				require.NotNil(t, res.Msg.Task)
				res2, err := rc.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				require.NoError(t, err)
				assert.Nil(t, res2.Msg.Task, "one job, though another waits")

				_, err = rc.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{
					State: &runnerv1.TaskState{Id: res.Msg.Task.Id, Result: runnerv1.Result_RESULT_SUCCESS},
				}))
				require.NoError(t, err)
				_, err = rc.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
				requireCode(t, err, connect.CodeUnauthenticated, "a second fetch after the job is refused")
				expect(t, c.caller.do(t, "GET", fmt.Sprintf("/api/v1%s/actions/runners/%d", c.prefix, f.ID), nil), http.StatusNotFound)
				waiting, err := actions_model.GetRunJobByID(s.Ctx, jobs[1])
				require.NoError(t, err)
				assert.Equal(t, actions_model.StatusWaiting, waiting.Status, "the other job waits for another runner")

				audit := c.caller.do(t, "GET", "/api/v1"+c.prefix+"/actions/audit?per_page=50", nil)
				expect(t, audit, http.StatusOK)
				assert.Contains(t, string(audit.Body), "runner.jit_config_generated", "the creation is in the scope's audit log")
			})
		}
	})
}

// TestJITConfigAPI_GroupManagersForTheirGroupOnly: a manager of a group
// may make JIT runners in it and nowhere else; refusals make nothing.
func TestJITConfigAPI_GroupManagersForTheirGroupOnly(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		const org = "/orgs/acme"
		mine := w.createGroup(t, w.owner, "/api/v1"+org, map[string]any{"name": "mine"})
		theirs := w.createGroup(t, w.owner, "/api/v1"+org, map[string]any{"name": "theirs"})
		otherGroup := w.createGroup(t, w.owner, "/api/v1/orgs/other", map[string]any{"name": "elsewhere"})
		expect(t, w.owner.do(t, "PUT", fmt.Sprintf("/api/v1%s/actions/runner-groups/%d/managers/dev", org, mine.ID), nil), http.StatusNoContent)

		ans, _ := generateJIT(t, w.dev, org, map[string]any{"name": "by-dev", "runner_group_id": mine.ID, "labels": []string{"linux"}})
		require.NotNil(t, ans.Runner.RunnerGroupID)
		assert.Equal(t, mine.ID, *ans.Runner.RunnerGroupID)
		assert.Equal(t, "mine", *ans.Runner.RunnerGroupName)

		before := liveRunners(t, s)
		anonymous := apiCaller{s: s}
		for _, c := range []struct {
			name   string
			caller apiCaller
			prefix string
			group  int64
			status int
		}{
			{"another group of the org", w.dev, org, theirs.ID, http.StatusForbidden},
			{"the org's default group", w.dev, org, 0, http.StatusForbidden},
			{"another org", w.dev, "/orgs/other", otherGroup.ID, http.StatusForbidden},
			{"the instance", w.dev, "/admin", 0, http.StatusForbidden},
			{"a repository of the org", w.dev, "/repos/acme/app", 0, http.StatusForbidden},
			{"a stranger, the manager's group", w.stranger, org, mine.ID, http.StatusForbidden},
			{"nobody", anonymous, org, mine.ID, http.StatusUnauthorized},
		} {
			res := c.caller.do(t, "POST", "/api/v1"+c.prefix+jitPath, map[string]any{"name": "x", "runner_group_id": c.group, "labels": []string{"linux"}})
			assert.Equal(t, c.status, res.Status, "%s: %s", c.name, res.Body)
		}
		assert.Equal(t, before, liveRunners(t, s), "nothing made for a refused caller")

		ans, _ = generateJIT(t, w.owner, org, map[string]any{"name": "by-owner", "runner_group_id": theirs.ID, "labels": []string{"linux"}})
		assert.Equal(t, theirs.ID, *ans.Runner.RunnerGroupID, "the owner may use any group of the org")
	})
}

// TestJITConfigAPI_BadInputMakesNothing: each refusal is 400 or 422 with
// a message naming what is wrong, and no runner is made.
func TestJITConfigAPI_BadInputMakesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		otherGroup := w.createGroup(t, w.owner, "/api/v1/orgs/other", map[string]any{"name": "elsewhere"})
		tooMany := make([]string, s.Opts.Actions.MaxLabels+1)
		for i := range tooMany {
			tooMany[i] = fmt.Sprintf("l%d", i)
		}
		before := liveRunners(t, s)
		for _, c := range []struct {
			name   string
			prefix string
			body   any
			status int
			says   string
		}{
			{"not JSON", "/orgs/acme", "{", http.StatusBadRequest, "JSON"},
			{"labels not a list", "/orgs/acme", map[string]any{"name": "n", "labels": "linux"}, http.StatusBadRequest, "JSON"},
			{"no name", "/orgs/acme", map[string]any{"labels": []string{"linux"}}, http.StatusUnprocessableEntity, "name"},
			{"no labels", "/orgs/acme", map[string]any{"name": "n"}, http.StatusUnprocessableEntity, "label"},
			{"nameless label", "/orgs/acme", map[string]any{"name": "n", "labels": []string{":host"}}, http.StatusUnprocessableEntity, "label 0"},
			{"too many labels", "/orgs/acme", map[string]any{"name": "n", "labels": tooMany}, http.StatusUnprocessableEntity, "labels"},
			{"missing group", "/orgs/acme", map[string]any{"name": "n", "labels": []string{"linux"}, "runner_group_id": 999999}, http.StatusUnprocessableEntity, "runner_group_id"},
			{"another org's group", "/orgs/acme", map[string]any{"name": "n", "labels": []string{"linux"}, "runner_group_id": otherGroup.ID}, http.StatusUnprocessableEntity, "runner_group_id"},
			{"a group for a repository", "/repos/acme/app", map[string]any{"name": "n", "labels": []string{"linux"}, "runner_group_id": otherGroup.ID}, http.StatusUnprocessableEntity, "runner_group_id"},
			{"work folder too long", "/orgs/acme", map[string]any{"name": "n", "labels": []string{"linux"}, "work_folder": strings.Repeat("w", 256)}, http.StatusUnprocessableEntity, "work_folder"},
			{"no such org", "/orgs/nope", map[string]any{"name": "n", "labels": []string{"linux"}}, http.StatusNotFound, "nope"},
		} {
			var res apiResponse
			if raw, ok := c.body.(string); ok {
				res = w.owner.raw(t, "POST", "/api/v1"+c.prefix+jitPath, raw)
			} else {
				res = w.owner.do(t, "POST", "/api/v1"+c.prefix+jitPath, c.body)
			}
			assert.Equal(t, c.status, res.Status, "%s: %s", c.name, res.Body)
			assert.Contains(t, res.message(t), c.says, c.name)
		}
		assert.Equal(t, before, liveRunners(t, s), "nothing made")
	})
}

// TestJITConfig_UnusedRunnerSweptAfterJITUnusedAfter: the maintenance loop
// of the running server removes a JIT runner that never took its job, and
// its config stops working; one with its job stays.
func TestJITConfig_UnusedRunnerSweptAfterJITUnusedAfter(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		repo := s.CreateRepo(t, "octo", "app")
		_, unused := generateJIT(t, admin, "/admin", map[string]any{"name": "unused", "labels": []string{"never"}})
		_, busy := generateJIT(t, admin, "/admin", map[string]any{"name": "busy", "labels": []string{"linux"}})
		s.QueueJobs(t, repo, []string{"linux"})
		busyClient := s.RunnerClient(busy.UUID, busy.Token)
		res, err := busyClient.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
		require.NoError(t, err)
		require.NotNil(t, res.Msg.Task)

		client := s.RunnerClient(unused.UUID, unused.Token)
		require.Eventually(t, func() bool {
			_, err := client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			return connect.CodeOf(err) == connect.CodeUnauthenticated
		}, 10*time.Second, 50*time.Millisecond, "the unused runner is removed and its config stops working")
		_, err = actions_model.GetRunnerByID(s.Ctx, unused.ID)
		assert.Error(t, err)
		_, err = actions_model.GetRunnerByID(s.Ctx, busy.ID)
		assert.NoError(t, err, "the runner with its job stays")
		_, err = busyClient.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{
			State: &runnerv1.TaskState{Id: res.Msg.Task.Id, Result: runnerv1.Result_RESULT_UNSPECIFIED},
		}))
		assert.NoError(t, err, "and keeps reporting its task")
	}, func(o *options.Options) {
		// The sweep's own timing is proved with a moved clock in the
		// service's tests; here the real loop runs with a short age.
		o.Actions.JITUnusedAfter = time.Second
		o.Actions.MaintenanceInterval = 100 * time.Millisecond
	})
}

func liveRunners(t *testing.T, s *testserver.Server) int64 {
	t.Helper()
	_, n, err := actions_model.FindRunners(s.Ctx, actions_model.FindRunnerOptions{AnyScope: true})
	require.NoError(t, err)
	return n
}
