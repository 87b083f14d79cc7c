package runnerhub

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"code.runnerhub.dev/runnerhub/modules/metrics"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// fleetScrapeTimeout bounds the database reads of one scrape.
const fleetScrapeTimeout = 5 * time.Second

// newMetrics builds the server's metrics and connects the actions service to them.
// ctx carries the database.
func newMetrics(ctx context.Context, svc *actions_service.Service) (*metrics.Metrics, error) {
	m := metrics.New()
	svc.SetRecorder(m)
	// Scrapes outlive the start-up context; they only need the engine.
	base := context.WithoutCancel(ctx)
	err := m.WatchFleet(base, func(ctx context.Context) (*metrics.Fleet, error) {
		f, err := svc.GetFleet(ctx)
		if err != nil {
			return nil, err
		}
		return &metrics.Fleet{Runners: f.Runners, RunnersOnline: f.RunnersOnline, RunnersBusy: f.RunnersBusy, Waiting: f.Waiting}, nil
	}, fleetScrapeTimeout)
	return m, err
}

// metricsHandler serves /metrics as the [metrics] options say: behind a
// bearer token when one is configured, with at most MAX_LABEL_SET_SERIES
// label sets by name.
func metricsHandler(o options.Metrics, m *metrics.Metrics) http.Handler {
	m.SetLabelSetSeries(o.MaxLabelSetSeries)
	h := m.Handler()
	if o.Token == "" {
		return h
	}
	want := []byte("Bearer " + o.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics token required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
