package web

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

func TestNiceTops_ReadWell(t *testing.T) {
	for v, want := range map[float64]float64{0: 4, 3: 4, 5: 8, 11: 20, 39: 40, 41: 80, 112: 200, 950: 1000} {
		assert.Equal(t, want, niceCeil(v), "%v", v)
	}
	for v, want := range map[float64]string{0: "4s", 3: "4s", 50: "1m", 2069: "40m", 3961: "2h", 40000: "12h"} {
		assert.Equal(t, want, tickDuration(time.Duration(niceDuration(v))*time.Second), "%v", v)
	}
	assert.Equal(t, "1h30m", tickDuration(90*time.Minute))
}

func TestQueueCharts_PlotEverySampleInTheSpan(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	points := []actions_service.QueuePoint{
		{At: now.Add(-6 * time.Hour), Waiting: 0},
		{At: now.Add(-3 * time.Hour), Waiting: 8, LongestWait: 10 * time.Minute, AvgWait: time.Minute, Picked: 2},
		{At: now, Waiting: 4, LongestWait: time.Minute},
	}
	length, wait := queueCharts(points, 6*time.Hour, now)
	assert.Equal(t, "60.0,128.0 346.0,8.0 632.0,68.0", length.Series[0].Points, "left edge to right edge: 0 at the base, 8 at the top, 4 halfway")
	assert.Equal(t, "8", length.YTicks[len(length.YTicks)-1].Label)
	assert.Equal(t, "20m", wait.YTicks[len(wait.YTicks)-1].Label)
	assert.Len(t, wait.Series, 2)
	assert.Len(t, length.XTicks, chartXTicks+1)
	assert.Equal(t, "06:00", length.XTicks[0].Label)
	assert.Equal(t, "end", length.XTicks[chartXTicks].Anchor)
	assert.True(t, strings.Contains(length.Summary, "the most was 8 at 09:00"), length.Summary)
	assert.Contains(t, wait.Summary, "the longest seen: 10m 00s at 09:00")

	empty, _ := queueCharts(nil, time.Hour, now)
	assert.True(t, empty.Empty)
	assert.Empty(t, empty.Series[0].Points)
}
