package web

import (
	"fmt"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// statusView is how a page shows a run's, job's or step's status: a word
// as GitHub says it, a mark, and the class that colours it.
type statusView struct {
	Word, Mark, Class string
}

var statusViews = map[actions_model.Status]statusView{
	actions_model.StatusWaiting:   {"queued", "○", "state-queued"},
	actions_model.StatusBlocked:   {"waiting", "◌", "state-waiting"},
	actions_model.StatusRunning:   {"running", "●", "state-running"},
	actions_model.StatusSuccess:   {"success", "✓", "state-success"},
	actions_model.StatusFailure:   {"failure", "✗", "state-failure"},
	actions_model.StatusCancelled: {"cancelled", "⊘", "state-cancelled"},
	actions_model.StatusSkipped:   {"skipped", "↷", "state-skipped"},
}

func viewStatus(s actions_model.Status) statusView {
	if v, ok := statusViews[s]; ok {
		return v
	}
	return statusView{"unknown", "?", "state-unknown"}
}

// durationText is how long from start until stop, or until now when it has
// not stopped; empty before it started.
func durationText(start, stop int64, now time.Time) string {
	if start == 0 {
		return ""
	}
	end := stop
	if end == 0 {
		end = now.Unix()
	}
	return roundDuration(time.Duration(max(end-start, 0)) * time.Second)
}

// roundDuration writes d as people read a wait or a run: 45s, 3m 05s, 2h 04m.
func roundDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	case s < 48*3600:
		return fmt.Sprintf("%dh %02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd %02dh", s/86400, s%86400/3600)
}

// shortSHA is the first 10 digits of a commit.
func shortSHA(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}
