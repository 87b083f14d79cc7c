package integration

import (
	"bufio"
	"code.runnerhub.dev/runnerhub/services/identity"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestWebhook_ContribAutoscalerRunsEachJobOnAFreshEphemeralRunner drives
// contrib/autoscaler with a real act_runner (gitea-runner): each queued job
// gets an ephemeral runner that runs it in host mode and is retired. It
// needs the binary, named by ACT_RUNNER.
func TestWebhook_ContribAutoscalerRunsEachJobOnAFreshEphemeralRunner(t *testing.T) {
	actRunner := os.Getenv("ACT_RUNNER")
	if actRunner == "" {
		t.Skip("set ACT_RUNNER to an act_runner binary to run the autoscaler end to end")
	}
	s := testserver.Start(t, sqliteOnly(), fastHooks)
	_, admin := newUser(t, s, "root", true)
	s.CreateRepo(t, "octo", "app")

	bin := filepath.Join(t.TempDir(), "autoscaler")
	out, err := exec.Command("go", "build", "-o", bin, "../../contrib/autoscaler").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	scaler := exec.Command(bin, "-listen", "127.0.0.1:0", "-instance", s.URL, "-labels", "linux:host",
		"-act-runner", actRunner, "-dir", t.TempDir())
	scaler.Env = append(os.Environ(),
		"RUNNERHUB_REGISTRATION_TOKEN="+s.RegistrationToken(t, identity.InstanceScope), "WEBHOOK_SECRET=scale-me")
	stdout, err := scaler.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, scaler.Start())
	t.Cleanup(func() { _ = scaler.Process.Kill(); _ = scaler.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))

	addRepoHook(t, admin, "octo/app", url, "scale-me")
	runID := startRun(t, admin, "octo/app", `name: CI
on: push
jobs:
  build:
    runs-on: linux
    steps:
      - run: echo built
  test:
    runs-on: linux
    needs: build
    steps:
      - run: echo tested
`)
	var run runJSON
	require.Eventually(t, func() bool {
		admin.do(t, "GET", "/api/v1/repos/octo/app/actions/runs/"+strconv.FormatInt(runID, 10), nil).decode(t, &run)
		return run.Status == "completed"
	}, 3*time.Minute, 200*time.Millisecond)
	require.NotNil(t, run.Conclusion)
	assert.Equal(t, "success", *run.Conclusion)

	var jobs jobListJSON
	admin.do(t, "GET", "/api/v1/repos/octo/app/actions/runs/"+strconv.FormatInt(runID, 10)+"/jobs", nil).decode(t, &jobs)
	require.Len(t, jobs.Jobs, 2)
	require.NotNil(t, jobs.Jobs[0].RunnerName)
	require.NotNil(t, jobs.Jobs[1].RunnerName)
	assert.NotEqual(t, *jobs.Jobs[0].RunnerName, *jobs.Jobs[1].RunnerName, "one runner per job")
	var runners runnerListJSON
	res := admin.do(t, "GET", "/api/v1/admin/actions/runners", nil)
	require.Equal(t, http.StatusOK, res.Status)
	res.decode(t, &runners)
	assert.Empty(t, runners.Runners, "each ephemeral runner was retired after its job")

	require.NoError(t, scaler.Process.Signal(syscall.SIGTERM))
	require.NoError(t, scaler.Wait(), "the autoscaler stops cleanly")
}
