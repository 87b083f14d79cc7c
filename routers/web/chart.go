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
	chartLeft   = 52 // room for the value labels
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
	length = newChart("Jobs waiting", times, x, func(v float64) string { return fmt.Sprintf("%.0f", v) },
		chartSeries{Name: "waiting", Class: "series-waiting"}, waiting)
	wait = newChart("Pickup wait", times, x, func(v float64) string { return roundDuration(time.Duration(v) * time.Second) },
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
func newChart(title string, times []time.Time, x func(time.Time) float64, label func(float64) string, seriesAndValues ...any) chartView {
	c := chartView{Title: title, Width: chartWidth, Height: chartHeight, Left: chartLeft, Top: chartTop,
		Right: chartWidth - chartRight, Base: chartHeight - chartBottom, Empty: len(times) == 0}
	top := 0.0
	for i := 1; i < len(seriesAndValues); i += 2 {
		for _, v := range seriesAndValues[i].([]float64) {
			top = max(top, v)
		}
	}
	top = niceCeil(top)
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

// niceCeil rounds a chart's top value up to 1, 2 or 5 times a power of
// ten, at least 4 so the four ticks are whole numbers.
func niceCeil(v float64) float64 {
	if v <= 4 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
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
