package integration

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

type verifyAnswer struct {
	Active     bool   `json:"active"`
	Message    string `json:"message"`
	TaskID     int64  `json:"task_id"`
	JobID      int64  `json:"job_id"`
	RunID      int64  `json:"run_id"`
	Repository *struct {
		ID       int64  `json:"id"`
		OwnerID  int64  `json:"owner_id"`
		Owner    string `json:"owner"`
		Name     string `json:"name"`
		FullName string `json:"full_name"`
	} `json:"repository"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// verifyRuntimeToken asks the server about a token the way a cache server would.
func verifyRuntimeToken(t *testing.T, s *testserver.Server, authorization string) (int, verifyAnswer) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/actions/runtime-token/verify", nil)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var a verifyAnswer
	require.NoError(t, json.NewDecoder(res.Body).Decode(&a))
	return res.StatusCode, a
}

func runtimeTokenOf(t *testing.T, task *runnerv1.Task) string {
	t.Helper()
	tok := task.Context.Fields["gitea_runtime_token"].GetStringValue()
	require.Len(t, tok, 40, "the task context carries gitea_runtime_token")
	assert.Contains(t, task.Secrets, "GITEA_TOKEN")
	found := false
	for _, v := range task.Secrets {
		found = found || v == tok
	}
	assert.True(t, found, "the token is among the task's secrets, so the runner masks it in logs")
	return tok
}

func TestRuntimeToken_VerifyLiveScopedAndEnded(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		app := s.CreateRepo(t, "octo", "app")
		lib := s.CreateRepo(t, "octo", "lib")
		r1, r2 := instanceRunner(t, s, "r1", false), instanceRunner(t, s, "r2", false)
		appJob := s.QueueJobs(t, app, []string{"ubuntu-latest"})[0]
		t1 := fetch(t, r1)
		require.NotNil(t, t1)
		s.QueueJobs(t, lib, []string{"ubuntu-latest"})
		t2 := fetch(t, r2)
		require.NotNil(t, t2)
		tok1, tok2 := runtimeTokenOf(t, t1), runtimeTokenOf(t, t2)
		assert.NotEqual(t, tok1, tok2, "each task has its own token")

		code, a := verifyRuntimeToken(t, s, "Bearer "+tok1)
		require.Equal(t, http.StatusOK, code, a.Message)
		assert.True(t, a.Active)
		assert.Equal(t, t1.Id, a.TaskID)
		assert.Equal(t, appJob, a.JobID)
		assert.Equal(t, t1.Context.Fields["run_id"].GetStringValue(), strconv.FormatInt(a.RunID, 10))
		require.NotNil(t, a.Repository)
		assert.Equal(t, app.RepoID, a.Repository.ID)
		assert.Equal(t, app.OwnerID, a.Repository.OwnerID)
		assert.Equal(t, "octo/app", a.Repository.FullName)
		require.NotNil(t, a.ExpiresAt)
		assert.WithinDuration(t, time.Now().Add(s.Opts.Actions.JobTimeout), *a.ExpiresAt, time.Minute, "expires with the job timeout at the latest")

		code, a = verifyRuntimeToken(t, s, "bearer "+tok2)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, "octo/lib", a.Repository.FullName, "a token only ever names its own repository")

		for name, h := range map[string]string{
			"no header":       "",
			"wrong scheme":    "token " + tok1,
			"empty bearer":    "Bearer ",
			"unknown token":   "Bearer " + strings.Repeat("0", 40),
			"runner token":    "Bearer " + r1.Token,
			"token with junk": "Bearer " + tok1 + "x",
		} {
			code, a := verifyRuntimeToken(t, s, h)
			assert.Equal(t, http.StatusUnauthorized, code, name)
			assert.False(t, a.Active, name)
			assert.Nil(t, a.Repository, name)
		}

		finish(t, r1, t1.Id, runnerv1.Result_RESULT_SUCCESS)
		code, a = verifyRuntimeToken(t, s, "Bearer "+tok1)
		assert.Equal(t, http.StatusUnauthorized, code, "a finished task's token is refused")
		assert.Contains(t, a.Message, "over")

		s.Actions.SetClock(func() time.Time { return time.Now().Add(s.Opts.Actions.JobTimeout + time.Minute) })
		defer s.Actions.SetClock(time.Now)
		code, a = verifyRuntimeToken(t, s, "Bearer "+tok2)
		assert.Equal(t, http.StatusUnauthorized, code, "a token past its expiry is refused while the task still runs")
		assert.Contains(t, a.Message, "expired")
	})
}

func TestRuntimeToken_VerifyIsPostOnly(t *testing.T) {
	s := testserver.Start(t, dbtest.Backends()[0])
	res, err := http.Get(s.URL + "/api/actions/runtime-token/verify")
	require.NoError(t, err)
	res.Body.Close()
	assert.NotEqual(t, http.StatusOK, res.StatusCode)
}
