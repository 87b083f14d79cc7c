package integration

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// scrapeMetrics reads /metrics, sending the bearer token when one is given.
func scrapeMetrics(t *testing.T, s *testserver.Server, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+"/metrics", nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

func TestMetrics_FleetQueueAndWaitTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		repo := s.CreateRepo(t, "octo", "app")
		busy := instanceRunner(t, s, "busy", false)
		instanceRunner(t, s, "idle", false, "windows")
		s.QueueJobs(t, repo, []string{"ubuntu-latest"}, []string{"ubuntu-latest"}, []string{"ubuntu-latest"}, []string{"linux", "gpu"})
		require.NotNil(t, fetch(t, busy))

		code, body := scrapeMetrics(t, s, "")
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "runnerhub_runners 2\n")
		assert.Contains(t, body, "runnerhub_runners_online 2\n")
		assert.Contains(t, body, "runnerhub_runners_busy 1\n")
		assert.Contains(t, body, `runnerhub_jobs_waiting{labels="ubuntu-latest"} 2`)
		assert.Contains(t, body, `runnerhub_jobs_waiting{labels="gpu,linux"} 1`)
		assert.Contains(t, body, "runnerhub_job_wait_seconds_count 1\n", "the claim was timed")
	})
}

func TestMetrics_TokenAndSwitch(t *testing.T) {
	b := dbtest.Backends()[0]
	s := testserver.Start(t, b, func(o *options.Options) { o.Metrics.Token = "scrape-secret" })
	code, _ := scrapeMetrics(t, s, "")
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = scrapeMetrics(t, s, "wrong")
	assert.Equal(t, http.StatusUnauthorized, code)
	code, body := scrapeMetrics(t, s, "scrape-secret")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "runnerhub_runners 0\n")

	off := testserver.Start(t, b, func(o *options.Options) { o.Metrics.Enabled = false })
	code, _ = scrapeMetrics(t, off, "")
	assert.NotEqual(t, http.StatusOK, code, "switched off, /metrics is not served")
}
