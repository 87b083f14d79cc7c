// Package metrics is Runnerhub's Prometheus instrumentation. Each server
// builds one Metrics with its own registry (no global collectors), hands it
// to the parts that count things, and serves it at /metrics.
//
// Counters and histograms are per process: when several servers share one
// database, Prometheus sums them over the instances. The fleet gauges
// (runners online and busy, jobs waiting) are read from the database at
// scrape time, so every instance reports the same, whole picture.
package metrics

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "runnerhub"

// Webhook delivery outcomes, the values of WebhookDeliveries' "outcome" label.
const (
	DeliverySucceeded = "success" // the receiver answered 2xx
	DeliveryFailed    = "failure" // the receiver answered, but not 2xx; will be retried
	DeliveryError     = "error"   // no answer: refused address, connection error, timeout; will be retried
	DeliveryGaveUp    = "gave_up" // the last allowed attempt failed; no more retries
)

// Metrics holds the collectors of one server.
type Metrics struct {
	registry    *prometheus.Registry
	jobWait     prometheus.Histogram
	maintenance *prometheus.CounterVec
	// waitingSeries bounds the series of jobs_waiting (see boundWaiting);
	// read at every scrape, set at wiring time.
	waitingSeries atomic.Int64

	// WebhookDeliveries counts webhook delivery attempts by outcome: one of
	// DeliverySucceeded, DeliveryFailed, DeliveryError, and DeliveryGaveUp
	// once more when an event is dropped after its last attempt. The
	// delivery workers count each attempt after it is over, e.g.
	//
	//	m.WebhookDeliveries.WithLabelValues(metrics.DeliverySucceeded).Inc()
	//
	// (or CountWebhookDelivery, which is safe on a nil *Metrics).
	WebhookDeliveries *prometheus.CounterVec
}

// New builds the collectors and registers them, with the Go runtime and
// process collectors, on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		jobWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "job_wait_seconds",
			Help:      "Time from a job becoming waiting to a runner claiming it.",
			Buckets:   []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600},
		}),
		maintenance: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "maintenance_actions_total",
			Help:      "Actions taken by the maintenance loop of this process, by kind.",
		}, []string{"kind"}),
		WebhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "webhook_deliveries_total",
			Help:      "Webhook delivery attempts made by this process, by outcome.",
		}, []string{"outcome"}),
	}
	m.waitingSeries.Store(DefaultLabelSetSeries)
	m.registry.MustRegister(
		m.jobWait, m.maintenance, m.WebhookDeliveries,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the registry in the Prometheus text format. When the fleet
// cannot be read (the database is away), the rest is still served and the
// fleet gauges are missing, which alerting can tell from zero.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry, ErrorHandling: promhttp.ContinueOnError})
}

// DefaultLabelSetSeries is how many label sets jobs_waiting shows by name
// unless SetLabelSetSeries says otherwise.
const DefaultLabelSetSeries = 50

// OtherLabelSets is the labels value of the jobs_waiting series that sums
// the label sets not shown by name. A set whose labels read the same is
// counted in it too, so that no two series share a value.
const OtherLabelSets = "other"

// SetLabelSetSeries sets how many label sets jobs_waiting shows by name,
// those with the most waiting jobs ([metrics] MAX_LABEL_SET_SERIES); the
// rest are summed in one OtherLabelSets series, so that a flood of label
// sets cannot flood the scrape.
func (m *Metrics) SetLabelSetSeries(n int) {
	m.waitingSeries.Store(int64(max(n, 0)))
}

// Register adds a collector, for parts that keep their own.
func (m *Metrics) Register(c prometheus.Collector) error {
	return m.registry.Register(c)
}

// JobClaimed records how long a job waited before a runner claimed it.
func (m *Metrics) JobClaimed(wait time.Duration) {
	if m == nil {
		return
	}
	m.jobWait.Observe(max(wait, 0).Seconds())
}

// MaintenanceDone counts one action of the maintenance loop.
func (m *Metrics) MaintenanceDone(kind string) {
	if m == nil {
		return
	}
	m.maintenance.WithLabelValues(kind).Inc()
}

// CountWebhookDelivery counts one delivery attempt's outcome.
func (m *Metrics) CountWebhookDelivery(outcome string) {
	if m == nil {
		return
	}
	m.WebhookDeliveries.WithLabelValues(outcome).Inc()
}

// Fleet is the state of the runners and the queue at one moment.
type Fleet struct {
	Runners       int64 // live (registered, not removed) runners
	RunnersOnline int64
	RunnersBusy   int64 // runners with a task running
	// Waiting counts the waiting jobs per runs-on label set, keyed by the
	// set's labels joined with commas.
	Waiting map[string]int64
}

// FleetFunc reads the fleet; ctx carries what it needs to reach the database.
type FleetFunc func(ctx context.Context) (*Fleet, error)

// WatchFleet reports the fleet gauges, read by read on every scrape with at
// most timeout to answer. A failed read leaves them out of that scrape.
func (m *Metrics) WatchFleet(ctx context.Context, read FleetFunc, timeout time.Duration) error {
	return m.registry.Register(&fleetCollector{ctx: ctx, read: read, timeout: timeout, series: &m.waitingSeries})
}

var (
	runnersDesc = prometheus.NewDesc(namespace+"_runners", "Registered runners that have not been removed.", nil, nil)
	onlineDesc  = prometheus.NewDesc(namespace+"_runners_online", "Runners in touch within the offline threshold.", nil, nil)
	busyDesc    = prometheus.NewDesc(namespace+"_runners_busy", "Runners with a task running.", nil, nil)
	waitingDesc = prometheus.NewDesc(namespace+"_jobs_waiting", "Jobs waiting for a runner, by runs-on label set.", []string{"labels"}, nil)
)

// fleetCollector reads the gauges at scrape time, so they hold for the whole
// database whichever process is scraped.
type fleetCollector struct {
	ctx     context.Context // carries the database engine; a scrape adds its deadline
	read    FleetFunc
	timeout time.Duration
	series  *atomic.Int64 // label sets shown by name
}

func (c *fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- runnersDesc
	ch <- onlineDesc
	ch <- busyDesc
	ch <- waitingDesc
}

func (c *fleetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	f, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(runnersDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(runnersDesc, prometheus.GaugeValue, float64(f.Runners))
	ch <- prometheus.MustNewConstMetric(onlineDesc, prometheus.GaugeValue, float64(f.RunnersOnline))
	ch <- prometheus.MustNewConstMetric(busyDesc, prometheus.GaugeValue, float64(f.RunnersBusy))
	for _, w := range boundWaiting(f.Waiting, int(c.series.Load())) {
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(w.count), w.labels)
	}
}

type waitingSeries struct {
	labels string
	count  int64
}

// boundWaiting keeps the n label sets with the most waiting jobs (the
// first by name among equals, so that scrapes agree) and sums the rest into
// one OtherLabelSets series: at most n+1 series whatever the queue holds.
func boundWaiting(waiting map[string]int64, n int) []waitingSeries {
	all := make([]waitingSeries, 0, len(waiting))
	var other int64
	folded := false
	for labels, count := range waiting {
		if labels == OtherLabelSets {
			other, folded = other+count, true
			continue
		}
		all = append(all, waitingSeries{labels, count})
	}
	slices.SortFunc(all, func(a, b waitingSeries) int {
		return cmp.Or(cmp.Compare(b.count, a.count), strings.Compare(a.labels, b.labels))
	})
	if len(all) > n {
		for _, w := range all[n:] {
			other += w.count
		}
		all, folded = all[:n], true
	}
	if folded {
		all = append(all, waitingSeries{OtherLabelSets, other})
	}
	return all
}
