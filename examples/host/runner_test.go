package main

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	runnerhub "code.runnerhub.dev/runnerhub"
	runnerhubv1 "code.runnerhub.dev/runnerhub/proto/runnerhub/runner/v1"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// TestHost_RunnerProtocol drives the runner protocol through the host: a
// registration token from the REST API with the host's access token, an
// ephemeral runner of repository acme/app that never sees acme/web's job,
// takes the job of a push to its own repository, finishes it and is then
// told it was removed (its runtime token named the job's repository to a
// cache server meanwhile); a second, non-ephemeral runner of acme/web takes the
// job left waiting and deregisters itself.
func TestHost_RunnerProtocol(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b)
			w := seedWorld(t, h)
			ctx := context.Background()

			eph := h.register(t, h.registrationToken(t, w.tokens["bob"], "acme/app"), "app-ephemeral", true)

			// A push to acme/web (carol may push: she is in acme) queues a
			// job acme/app's runner must never be given.
			webPush := h.push(t, w.tokens["carol"], "acme/web")
			assert.Nil(t, eph.fetch(t), "a runner of acme/app gets no job of acme/web")

			appPush := h.push(t, w.tokens["carol"], "acme/app")
			task := eph.fetch(t)
			require.NotNil(t, task, "the push to acme/app queued a job for its runner")
			assert.Equal(t, "acme/app", contextString(task, "repository"))
			assert.Equal(t, strconv.FormatInt(appPush.RunID, 10), contextString(task, "run_id"))
			assert.Equal(t, "push", contextString(task, "event_name"))
			assert.Nil(t, eph.fetch(t), "an ephemeral runner gets one task, ever")

			// A cache server learns the job's repository from its runtime token.
			res := h.send(t, http.MethodPost, runnerhub.RunnerPrefix+"/runtime-token/verify", nil, func(r *http.Request) {
				r.Header.Set("Authorization", "Bearer "+contextString(task, "gitea_runtime_token"))
			})
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var verified struct {
				Active     bool
				Repository struct {
					ID       int64
					FullName string `json:"full_name"`
				}
			}
			res.decode(t, &verified)
			assert.True(t, verified.Active)
			assert.Equal(t, w.app.ID, verified.Repository.ID)
			assert.Equal(t, "acme/app", verified.Repository.FullName)

			logRes, err := eph.Client.UpdateLog(ctx, connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, NoMore: true, Rows: []*runnerv1.LogRow{
				{Time: timestamppb.Now(), Content: "make"}, {Time: timestamppb.Now(), Content: "ok"},
			}}))
			require.NoError(t, err)
			assert.EqualValues(t, 2, logRes.Msg.AckIndex)
			_, err = eph.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
				Id: task.Id, Result: runnerv1.Result_RESULT_SUCCESS, StartedAt: timestamppb.Now(), StoppedAt: timestamppb.Now(),
			}}))
			require.NoError(t, err)

			_, err = eph.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			requireCode(t, err, connect.CodeUnauthenticated, "a retired ephemeral runner is told so")
			assert.Contains(t, err.Error(), "removed")

			// The job reads as done through the REST API, as the host's admin sees it.
			var jobs struct {
				TotalCount int64 `json:"total_count"`
				Jobs       []struct {
					ID         int64
					Status     string
					Conclusion *string
					RunnerName *string `json:"runner_name"`
				}
			}
			res = h.api(t, http.MethodGet, runnerhub.APIPrefix+"/repos/acme/app/actions/runs/"+strconv.FormatInt(appPush.RunID, 10)+"/jobs", w.tokens["bob"], nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			res.decode(t, &jobs)
			require.Len(t, jobs.Jobs, 1)
			assert.Equal(t, appPush.JobIDs[0], jobs.Jobs[0].ID)
			assert.Equal(t, "completed", jobs.Jobs[0].Status)
			require.NotNil(t, jobs.Jobs[0].Conclusion)
			assert.Equal(t, "success", *jobs.Jobs[0].Conclusion)
			assert.Zero(t, runnerCount(t, h, w.tokens["bob"], "acme/app"), "the retired runner is in no list")

			// acme/web's job waited all along; its own runner takes it.
			steady := h.register(t, h.registrationToken(t, w.tokens["alice"], "acme/web"), "web-steady", false)
			task = steady.fetch(t)
			require.NotNil(t, task)
			assert.Equal(t, "acme/web", contextString(task, "repository"))
			assert.Equal(t, strconv.FormatInt(webPush.RunID, 10), contextString(task, "run_id"))
			_, err = steady.Client.UpdateTask(ctx, connect.NewRequest(&runnerv1.UpdateTaskRequest{State: &runnerv1.TaskState{
				Id: task.Id, Result: runnerv1.Result_RESULT_SUCCESS, StoppedAt: timestamppb.Now(),
			}}))
			require.NoError(t, err)
			assert.Nil(t, steady.fetch(t), "nothing else waits")
			assert.EqualValues(t, 1, runnerCount(t, h, w.tokens["alice"], "acme/web"))

			_, err = steady.Deregister.CallUnary(ctx, connect.NewRequest(&runnerhubv1.DeregisterRequest{}))
			require.NoError(t, err)
			_, err = steady.Client.FetchTask(ctx, connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			requireCode(t, err, connect.CodeUnauthenticated, "a deregistered runner's credentials stop working")
			assert.Zero(t, runnerCount(t, h, w.tokens["alice"], "acme/web"))
		})
	}
}

// runnerCount lists a repository's runners through the REST API.
func runnerCount(t *testing.T, h *testHost, token, fullName string) int64 {
	t.Helper()
	res := h.api(t, http.MethodGet, runnerhub.APIPrefix+"/repos/"+fullName+"/actions/runners", token, nil)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var out struct {
		TotalCount int64 `json:"total_count"`
	}
	res.decode(t, &out)
	return out.TotalCount
}
