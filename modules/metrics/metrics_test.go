package metrics

import (
	"context"
	"errors"
	"fmt"
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

// TestWatchFleet_BoundsLabelSetSeries: however many label sets have waiting
// jobs, jobs_waiting has at most N+1 series: the N sets with the most
// waiting jobs and one "other" with the rest; a set literally named
// "other" is counted in that one, so no two series collide.
func TestWatchFleet_BoundsLabelSetSeries(t *testing.T) {
	waiting := map[string]int64{"other": 7}
	var total int64 = 7
	for i := range 200 {
		waiting[fmt.Sprintf("set-%03d", i)] = int64(i + 1) // set-199 has the most
		total += int64(i + 1)
	}
	m := New()
	m.SetLabelSetSeries(10)
	require.NoError(t, m.WatchFleet(context.Background(), func(ctx context.Context) (*Fleet, error) {
		return &Fleet{Waiting: waiting}, nil
	}, time.Second))
	_, body := scrape(t, m)
	series := map[string]int64{}
	for _, line := range strings.Split(body, "\n") {
		var labels string
		var n int64
		if _, err := fmt.Sscanf(line, "runnerhub_jobs_waiting{labels=%q} %d", &labels, &n); err == nil {
			series[labels] = n
		}
	}
	require.Len(t, series, 11, "N sets by name and one other: %s", body)
	var sum int64
	for i := 190; i < 200; i++ {
		name := fmt.Sprintf("set-%03d", i)
		assert.Equal(t, int64(i+1), series[name], name)
	}
	for _, n := range series {
		sum += n
	}
	assert.Equal(t, total, sum, "no waiting job is lost from the total")
	assert.Equal(t, total-int64(191+200)*10/2, series["other"])

	m.SetLabelSetSeries(0)
	_, body = scrape(t, m)
	assert.Equal(t, 1, strings.Count(body, "runnerhub_jobs_waiting{"), "0: one series for all")
	assert.Contains(t, body, fmt.Sprintf(`runnerhub_jobs_waiting{labels="other"} %d`, total))

	m = New()
	require.NoError(t, m.WatchFleet(context.Background(), func(ctx context.Context) (*Fleet, error) {
		return &Fleet{Waiting: map[string]int64{"linux": 2}}, nil
	}, time.Second))
	_, body = scrape(t, m)
	assert.Contains(t, body, `runnerhub_jobs_waiting{labels="linux"} 2`)
	assert.NotContains(t, body, `labels="other"`, "no other series when every set is shown")
}
