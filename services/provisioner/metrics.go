package provisioner

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	"code.runnerhub.dev/runnerhub/modules/metrics"
)

// Outcomes of a start, the values of runnerhub_pool_starts_total's
// "outcome" label.
const (
	OutcomeStarted   = "started"   // its runner got in touch
	OutcomeExit      = "exit"      // START_COMMAND failed before that
	OutcomeTimeout   = "timeout"   // no contact within START_TIMEOUT
	OutcomeError     = "error"     // the runner could not be made, or the command not run
	OutcomeAbandoned = "abandoned" // the process that started it stopped first
)

// scrapeTimeout bounds the database read of one scrape.
const scrapeTimeout = 5 * time.Second

// poolMetrics are the provisioner's series: starts by outcome and their
// latency, counted by this process, and the runners per pool and state,
// read from the database at scrape time so every process shows them all.
type poolMetrics struct {
	starts  *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

var poolRunnersDesc = prometheus.NewDesc("runnerhub_pool_runners",
	"Runners of each provisioner pool, by state (starting, idle, busy).", []string{"pool", "state"}, nil)

func newPoolMetrics(ctx context.Context, m *metrics.Metrics, p *Provisioner) (*poolMetrics, error) {
	pm := &poolMetrics{
		starts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "runnerhub", Name: "pool_starts_total",
			Help: "Runner starts of provisioner pools made by this process, by outcome.",
		}, []string{"pool", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "runnerhub", Name: "pool_start_seconds",
			Help:    "Time from a pool's START_COMMAND starting to its runner being seen in touch.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"pool"}),
	}
	for _, c := range []prometheus.Collector{pm.starts, pm.latency, &runnersCollector{ctx: context.WithoutCancel(ctx), p: p}} {
		if err := m.Register(c); err != nil {
			return nil, err
		}
	}
	return pm, nil
}

func (pm *poolMetrics) countStart(pool, outcome string) {
	if pm != nil {
		pm.starts.WithLabelValues(pool, outcome).Inc()
	}
}

func (pm *poolMetrics) observeStart(pool string, d time.Duration) {
	if pm != nil {
		pm.latency.WithLabelValues(pool).Observe(max(d, 0).Seconds())
	}
}

// runnersCollector reads runnerhub_pool_runners at scrape time, with a
// series for every state of every configured pool, zero or not.
type runnersCollector struct {
	ctx context.Context // carries the database
	p   *Provisioner
}

func (c *runnersCollector) Describe(ch chan<- *prometheus.Desc) { ch <- poolRunnersDesc }

func (c *runnersCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(c.ctx, scrapeTimeout)
	defer cancel()
	counts, err := pool_model.CountLive(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(poolRunnersDesc, err)
		return
	}
	got := map[[2]string]int64{}
	for _, sc := range counts {
		got[[2]string{sc.Pool, sc.State}] = sc.Count
	}
	for _, pl := range c.p.pools {
		for _, st := range []string{pool_model.StateStarting, pool_model.StateIdle, pool_model.StateBusy} {
			ch <- prometheus.MustNewConstMetric(poolRunnersDesc, prometheus.GaugeValue, float64(got[[2]string{pl.Name, st}]), pl.Name, st)
		}
	}
}
