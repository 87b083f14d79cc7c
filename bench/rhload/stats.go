package rhload

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"connectrpc.com/connect"
)

// Recorder collects the latency of each call, per RPC. Each worker owns one,
// so recording takes no lock; Merge joins them at the end.
type Recorder struct {
	series map[string]*series
}

type series struct {
	lat  []time.Duration
	errs map[string]int
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{series: map[string]*series{}} }

// Observe records one call of rpc that took d and ended with err.
func (r *Recorder) Observe(rpc string, d time.Duration, err error) {
	s := r.series[rpc]
	if s == nil {
		s = &series{errs: map[string]int{}}
		r.series[rpc] = s
	}
	if err != nil {
		s.errs[errorName(err)]++
		return
	}
	s.lat = append(s.lat, d)
}

// Merge adds o's observations to r.
func (r *Recorder) Merge(o *Recorder) {
	for name, os := range o.series {
		s := r.series[name]
		if s == nil {
			s = &series{errs: map[string]int{}}
			r.series[name] = s
		}
		s.lat = append(s.lat, os.lat...)
		for k, v := range os.errs {
			s.errs[k] += v
		}
	}
}

// Stats summarises one RPC's calls.
type Stats struct {
	Calls               int
	Errors              int
	PerSecond           float64
	P50, P99, P999, Max time.Duration
}

// Stats returns the summary of rpc over a run of the given length.
func (r *Recorder) Stats(rpc string, elapsed time.Duration) Stats {
	s := r.series[rpc]
	if s == nil {
		return Stats{}
	}
	lat := slices.Clone(s.lat)
	slices.Sort(lat)
	st := Stats{Calls: len(lat)}
	for _, n := range s.errs {
		st.Errors += n
	}
	if elapsed > 0 {
		st.PerSecond = float64(len(lat)) / elapsed.Seconds()
	}
	if len(lat) > 0 {
		st.P50, st.P99, st.P999, st.Max = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 0.999), lat[len(lat)-1]
	}
	return st
}

// quantile reads the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted)) + 0.5)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// Print writes one line per RPC, under a header naming the target.
func (r *Recorder) Print(w io.Writer, target string, elapsed time.Duration) {
	names := make([]string, 0, len(r.series))
	for n := range r.series {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := r.Stats(n, elapsed)
		fmt.Fprintf(w, "%-10s %-12s calls=%-8d rps=%-9.0f p50=%-9s p99=%-9s p99.9=%-9s max=%-9s errors=%d%s\n",
			target, n, st.Calls, st.PerSecond, round(st.P50), round(st.P99), round(st.P999), round(st.Max), st.Errors, r.errorDetail(n))
	}
}

func (r *Recorder) errorDetail(rpc string) string {
	s := r.series[rpc]
	if len(s.errs) == 0 {
		return ""
	}
	return fmt.Sprintf(" %v", s.errs)
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

func errorName(err error) string {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Code().String()
	}
	return "transport"
}
