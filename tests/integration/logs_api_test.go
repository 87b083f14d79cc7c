package integration

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// runJobWithLog queues a job in repo, has r take it, send rows and finish.
func runJobWithLog(t *testing.T, s *testserver.Server, r *testserver.Runner, repo testserver.Repo, rows []*runnerv1.LogRow) (jobID, taskID int64) {
	t.Helper()
	jobID = s.QueueJobs(t, repo, []string{"ubuntu-latest"})[0]
	task := fetch(t, r)
	require.NotNil(t, task)
	_, err := r.Client.UpdateLog(context.Background(), connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: rows, NoMore: true}))
	require.NoError(t, err)
	finish(t, r, task.Id, runnerv1.Result_RESULT_SUCCESS)
	return jobID, task.Id
}

func TestJobLogsAPI_ReadersReadGiteaText(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s, accounts := startWithReaders(t, b)
			_, admin := userWithToken(t, s, accounts, "root", true)
			owner, _ := userWithToken(t, s, accounts, "octo", false)
			reader, asReader := userWithToken(t, s, accounts, "reader", false)
			_, asStranger := userWithToken(t, s, accounts, "stranger", false)
			ownerScope, err := accounts.GetOwnerByID(s.Ctx, owner.ID)
			require.NoError(t, err)
			app, err := accounts.CreateRepo(s.Ctx, owner, ownerScope, "app")
			require.NoError(t, err)
			other, err := accounts.CreateRepo(s.Ctx, owner, ownerScope, "other")
			require.NoError(t, err)
			accounts.grantRead(t, app, reader)
			repo := testserver.Repo{OwnerID: owner.ID, RepoID: app.ID, Owner: "octo", Name: "app"}

			r := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), "r", []string{"ubuntu-latest"}, false)
			at := time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)
			jobID, taskID := runJobWithLog(t, s, r, repo, []*runnerv1.LogRow{
				{Time: timestamppb.New(at), Content: "\x1b[1;32mok\x1b[0m <b>"},
				{Time: timestamppb.New(at.Add(time.Millisecond)), Content: "two\nlines"},
				{Time: timestamppb.New(at.Add(time.Second)), Content: ""},
			})
			path := fmt.Sprintf("/api/v1/repos/octo/app/actions/jobs/%d/logs", jobID)

			res := asReader.do(t, "GET", path, nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			assert.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))
			assert.Equal(t, fmt.Sprintf(`attachment; filename=test-job0-%d.log`, taskID), res.Header.Get("Content-Disposition"))
			assert.Equal(t, "2024-03-01T12:30:45.1234567Z \x1b[1;32mok\x1b[0m <b>\n"+
				"2024-03-01T12:30:45.1244567Z two\\nlines\n"+
				"2024-03-01T12:30:46.1234567Z \n", string(res.Body))
			assert.Equal(t, res.Body, admin.do(t, "GET", path, nil).Body, "an admin reads it too")

			for _, p := range []string{"/api/v1/repos/octo/app/actions/runs", fmt.Sprintf("/api/v1/repos/octo/app/actions/jobs/%d", jobID)} {
				assert.Equal(t, http.StatusOK, asReader.do(t, "GET", p, nil).Status, "a reader reads the runs and jobs too: %s", p)
				assert.Equal(t, http.StatusNotFound, asStranger.do(t, "GET", p, nil).Status, p)
			}
			res = asReader.do(t, "POST", fmt.Sprintf("/api/v1/repos/octo/app/actions/jobs/%d/rerun", jobID), nil)
			assert.Equal(t, http.StatusForbidden, res.Status, "reading is not re-running")

			res = asStranger.do(t, "GET", path, nil)
			assert.Equal(t, http.StatusNotFound, res.Status, "who may not read the repository learns nothing of it")
			assert.NotContains(t, string(res.Body), "ok")
			res = apiCaller{s: s}.do(t, "GET", path, nil)
			assert.Equal(t, http.StatusUnauthorized, res.Status)

			res = asReader.do(t, "GET", "/api/v1/repos/octo/app/actions/jobs/99999/logs", nil)
			assert.Equal(t, http.StatusNotFound, res.Status, "an unknown job")
			res = asReader.do(t, "GET", "/api/v1/repos/octo/app/actions/jobs/x/logs", nil)
			assert.Equal(t, http.StatusNotFound, res.Status, "not a job id")
			notStarted := s.QueueJobs(t, repo, []string{"no-runner-has-this"})[0]
			res = asReader.do(t, "GET", fmt.Sprintf("/api/v1/repos/octo/app/actions/jobs/%d/logs", notStarted), nil)
			assert.Equal(t, http.StatusNotFound, res.Status, "a job no runner took has no log")
			assert.Contains(t, res.message(t), "has not started")

			otherJob := s.QueueJobs(t, testserver.Repo{OwnerID: owner.ID, RepoID: other.ID, Owner: "octo", Name: "other"}, []string{"x"})[0]
			res = admin.do(t, "GET", fmt.Sprintf("/api/v1/repos/octo/app/actions/jobs/%d/logs", otherJob), nil)
			assert.Equal(t, http.StatusNotFound, res.Status, "a job of another repository is not found through this one")
			res = asReader.do(t, "GET", strings.Replace(path, "/app/", "/other/", 1), nil)
			assert.Equal(t, http.StatusNotFound, res.Status, "read access to one repository is not to another")
		})
	}
}
