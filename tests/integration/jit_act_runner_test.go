package integration

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestJITConfig_UnmodifiedActRunnerDaemonRunsOneJob writes the decoded JIT
// config to .runner and starts the real act_runner's daemon with nothing
// else: it runs one job and is gone after it. It needs the binary, named
// by ACT_RUNNER.
func TestJITConfig_UnmodifiedActRunnerDaemonRunsOneJob(t *testing.T) {
	actRunner := os.Getenv("ACT_RUNNER")
	if actRunner == "" {
		t.Skip("set ACT_RUNNER to an act_runner binary to run a JIT config with it")
	}
	s := testserver.Start(t, sqliteOnly())
	_, admin := newUser(t, s, "root", true)
	s.CreateRepo(t, "octo", "app")
	res := admin.do(t, "POST", "/api/v1/repos/octo/app"+jitPath, map[string]any{"name": "jit-act", "labels": []string{"linux:host"}})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var ans jitAnswer
	res.decode(t, &ans)
	file, err := base64.StdEncoding.DecodeString(ans.EncodedJITConfig)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".runner"), file, 0o600))

	daemon := exec.Command(actRunner, "daemon")
	daemon.Dir = dir
	var out bytes.Buffer
	daemon.Stdout, daemon.Stderr = &out, &out
	require.NoError(t, daemon.Start())
	exited := make(chan struct{}) // closed when the daemon is gone, so both waits below see it
	var exitErr error
	go func() {
		exitErr = daemon.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = daemon.Process.Kill()
		<-exited
	})

	runID := startRun(t, admin, "octo/app", "name: CI\non: push\njobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: echo built by a JIT runner\n")
	var run runJSON
	require.Eventually(t, func() bool {
		admin.do(t, "GET", "/api/v1/repos/octo/app/actions/runs/"+strconv.FormatInt(runID, 10), nil).decode(t, &run)
		return run.Status == "completed"
	}, 3*time.Minute, 200*time.Millisecond, "act_runner output: %s", &out)
	require.NotNil(t, run.Conclusion)
	assert.Equal(t, "success", *run.Conclusion, "act_runner output: %s", &out)
	var jobs struct {
		Jobs []struct{ ID int64 } `json:"jobs"`
	}
	admin.do(t, "GET", "/api/v1/repos/octo/app/actions/runs/"+strconv.FormatInt(runID, 10)+"/jobs", nil).decode(t, &jobs)
	require.Len(t, jobs.Jobs, 1)
	logs := admin.do(t, "GET", "/api/v1/repos/octo/app/actions/jobs/"+strconv.FormatInt(jobs.Jobs[0].ID, 10)+"/logs", nil)
	expect(t, logs, http.StatusOK)
	assert.Contains(t, string(logs.Body), "built by a JIT runner", "the step really ran on act_runner")

	select {
	case <-exited: // an ephemeral act_runner stops after its job
		require.NoError(t, exitErr, "act_runner output: %s", &out)
	case <-time.After(time.Minute):
		t.Fatalf("act_runner still runs a minute after its one job: %s", &out)
	}
	expect(t, admin.do(t, "GET", "/api/v1/repos/octo/app/actions/runners/"+strconv.FormatInt(ans.Runner.ID, 10), nil), http.StatusNotFound)
}
