package web

import (
	"fmt"
	"math"
	"strings"
	"time"

	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// The queue chart is drawn here as SVG, on the server: lines of the
// sampled values over the chosen hours, with a few labelled ticks. The
// page's policy allows no script or inline style for it, and needs none.

const (
	chartWidth  = 640
	chartHeight = 150
	chartLeft   = 60 // room for the value labels
	chartRight  = 8
	chartTop    = 8
	chartBottom = 22 // room for the time labels
	chartYTicks = 4
	chartXTicks = 6
	chartPlotW  = chartWidth - chartLeft - chartRight
	chartPlotH  = chartHeight - chartTop - chartBottom
)

type chartSeries struct {
	Name, Class string
	Points      string // the polyline's "x,y x,y …"
	Dots        []chartPoint
}

type chartPoint struct{ X, Y float64 }

type chartTick struct {
	X, Y   float64
	Label  string
	Anchor string // how the label sits on the tick: start, middle or end
}

// chartView is one chart as the template draws it.
type chartView struct {
	Title                  string
	Width, Height          int
	Left, Top, Right, Base float64
	Series                 []chartSeries
	YTicks, XTicks         []chartTick
	Empty                  bool
	Summary                string
}

// queueCharts draws the queue's length, and the pickup wait, over span.
func queueCharts(points []actions_service.QueuePoint, span time.Duration, now time.Time) (length, wait chartView) {
	start := now.Add(-span)
	x := func(t time.Time) float64 {
		return chartLeft + float64(t.Sub(start))/float64(span)*chartPlotW
	}
	waiting := make([]float64, len(points))
	longest := make([]float64, len(points))
	average := make([]float64, len(points))
	times := make([]time.Time, len(points))
	for i, p := range points {
		times[i] = p.At
		waiting[i] = float64(p.Waiting)
		longest[i] = p.LongestWait.Seconds()
		average[i] = p.AvgWait.Seconds()
	}
	length = newChart("Jobs waiting", times, x, niceCeil, func(v float64) string { return fmt.Sprintf("%.0f", v) },
		chartSeries{Name: "waiting", Class: "series-waiting"}, waiting)
	wait = newChart("Pickup wait", times, x, niceDuration, func(v float64) string { return tickDuration(time.Duration(v) * time.Second) },
		chartSeries{Name: "longest wait", Class: "series-longest"}, longest,
		chartSeries{Name: "average pickup", Class: "series-average"}, average)
	for _, c := range []*chartView{&length, &wait} {
		c.XTicks = timeTicks(start, span, x)
	}
	if n := len(points); n > 0 {
		last := points[n-1]
		peak := points[0]
		for _, p := range points {
			if p.Waiting > peak.Waiting {
				peak = p
			}
		}
		length.Summary = fmt.Sprintf("%d waiting at the last sample (%s UTC); the most was %d at %s UTC.",
			last.Waiting, last.At.Format("15:04"), peak.Waiting, peak.At.Format("15:04"))
		worst := points[0]
		for _, p := range points {
			if p.LongestWait > worst.LongestWait {
				worst = p
			}
		}
		wait.Summary = fmt.Sprintf("Longest wait at the last sample: %s; the longest seen: %s at %s UTC.",
			roundDuration(last.LongestWait), roundDuration(worst.LongestWait), worst.At.Format("15:04"))
	}
	return length, wait
}

// newChart lays out one chart; seriesAndValues alternates a series and its values.
// nice rounds the top value up to one whose ticks read well.
func newChart(title string, times []time.Time, x func(time.Time) float64, nice func(float64) float64, label func(float64) string, seriesAndValues ...any) chartView {
	c := chartView{Title: title, Width: chartWidth, Height: chartHeight, Left: chartLeft, Top: chartTop,
		Right: chartWidth - chartRight, Base: chartHeight - chartBottom, Empty: len(times) == 0}
	top := 0.0
	for i := 1; i < len(seriesAndValues); i += 2 {
		for _, v := range seriesAndValues[i].([]float64) {
			top = max(top, v)
		}
	}
	top = nice(top)
	y := func(v float64) float64 { return chartTop + chartPlotH - v/top*chartPlotH }
	for i := 0; i < len(seriesAndValues); i += 2 {
		s := seriesAndValues[i].(chartSeries)
		vals := seriesAndValues[i+1].([]float64)
		var b strings.Builder
		for j, v := range vals {
			px, py := x(times[j]), y(v)
			fmt.Fprintf(&b, "%.1f,%.1f ", px, py)
			if len(vals) == 1 {
				s.Dots = append(s.Dots, chartPoint{px, py})
			}
		}
		s.Points = strings.TrimSpace(b.String())
		c.Series = append(c.Series, s)
	}
	for k := 0; k <= chartYTicks; k++ {
		v := top * float64(k) / chartYTicks
		c.YTicks = append(c.YTicks, chartTick{Y: y(v), Label: label(v)})
	}
	return c
}

// niceCeil rounds a count up to four ticks of a whole step of 1, 2, 2.5
// or 5 times a power of ten, at least 1.
func niceCeil(v float64) float64 {
	step := v / chartYTicks
	if step <= 1 {
		return chartYTicks
	}
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= step && m*p == math.Trunc(m*p) {
			return chartYTicks * m * p
		}
	}
	return chartYTicks * 10 * p
}

// tickSteps are the durations between the wait chart's ticks.
var tickSteps = []time.Duration{
	time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// niceDuration rounds a wait in seconds up to four whole tick steps.
func niceDuration(v float64) float64 {
	for _, step := range tickSteps {
		if top := chartYTicks * step.Seconds(); top >= v {
			return top
		}
	}
	return math.Ceil(v/86400/chartYTicks) * chartYTicks * 86400
}

// tickDuration writes a tick's round duration shortly: 45s, 10m, 1h30m, 2h.
func tickDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// timeTicks labels the time axis at even steps of the span.
func timeTicks(start time.Time, span time.Duration, x func(time.Time) float64) []chartTick {
	step := span / chartXTicks
	var out []chartTick
	for k := 0; k <= chartXTicks; k++ {
		t := start.Add(time.Duration(k) * step)
		anchor := "middle"
		switch k {
		case 0:
			anchor = "start"
		case chartXTicks:
			anchor = "end" // inside the picture, not cut at its edge
		}
		out = append(out, chartTick{X: x(t), Label: t.UTC().Format("15:04"), Anchor: anchor})
	}
	return out
}
