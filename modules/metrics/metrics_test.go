package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func scrape(t *testing.T, m *Metrics) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, string(body)
}

func TestMetrics_CountersAndHistogram(t *testing.T) {
	m := New()
	m.JobClaimed(3 * time.Second)
	m.JobClaimed(-time.Second) // clocks of two processes may disagree a little
	m.MaintenanceDone("stale_task_failed")
	m.MaintenanceDone("stale_task_failed")
	m.MaintenanceDone("waiting_job_cancelled")
	m.CountWebhookDelivery(DeliverySucceeded)
	m.WebhookDeliveries.WithLabelValues(DeliveryFailed).Inc()

	code, body := scrape(t, m)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "runnerhub_job_wait_seconds_count 2\n")
	assert.Contains(t, body, "runnerhub_job_wait_seconds_sum 3\n", "a negative wait counts as none")
	assert.Contains(t, body, `runnerhub_job_wait_seconds_bucket{le="1"} 1`)
	assert.Contains(t, body, `runnerhub_job_wait_seconds_bucket{le="5"} 2`)
	assert.Contains(t, body, `runnerhub_maintenance_actions_total{kind="stale_task_failed"} 2`)
	assert.Contains(t, body, `runnerhub_maintenance_actions_total{kind="waiting_job_cancelled"} 1`)
	assert.Contains(t, body, `runnerhub_webhook_deliveries_total{outcome="success"} 1`)
	assert.Contains(t, body, `runnerhub_webhook_deliveries_total{outcome="failure"} 1`)
	assert.Contains(t, body, "go_goroutines", "runtime metrics are included")
}

func TestMetrics_NilIsSilent(t *testing.T) {
	var m *Metrics
	m.JobClaimed(time.Second)
	m.MaintenanceDone("x")
	m.CountWebhookDelivery(DeliveryError)
}

func TestMetrics_OwnRegistryPerInstance(t *testing.T) {
	a, b := New(), New()
	a.MaintenanceDone("only_in_a")
	_, body := scrape(t, b)
	assert.NotContains(t, body, "only_in_a", "two servers in one process do not share collectors")
}

func TestWatchFleet_ReadsAtScrapeTime(t *testing.T) {
	m := New()
	calls := 0
	var fail error
	require.NoError(t, m.WatchFleet(context.Background(), func(ctx context.Context) (*Fleet, error) {
		calls++
		_, hasDeadline := ctx.Deadline()
		assert.True(t, hasDeadline, "a scrape bounds the read")
		if fail != nil {
			return nil, fail
		}
		return &Fleet{Runners: 5, RunnersOnline: 3, RunnersBusy: 2, Waiting: map[string]int64{"linux,x64": 4, `we"ird`: 1}}, nil
	}, time.Second))

	_, body := scrape(t, m)
	assert.Equal(t, 1, calls)
	assert.Contains(t, body, "runnerhub_runners 5\n")
	assert.Contains(t, body, "runnerhub_runners_online 3\n")
	assert.Contains(t, body, "runnerhub_runners_busy 2\n")
	assert.Contains(t, body, `runnerhub_jobs_waiting{labels="linux,x64"} 4`)
	assert.Contains(t, body, `runnerhub_jobs_waiting{labels="we\"ird"} 1`, "label values are escaped")

	fail = errors.New("database is down")
	m.MaintenanceDone("during_outage")
	code, body := scrape(t, m)
	assert.Equal(t, http.StatusOK, code, "the process's own counters are still served")
	assert.Contains(t, body, `runnerhub_maintenance_actions_total{kind="during_outage"} 1`)
	assert.False(t, strings.Contains(body, "runnerhub_runners_online"), "the fleet gauges are missing, not zero: %s", body)
}
