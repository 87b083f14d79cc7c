package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// CountRunners counts live runners, and of them those in touch after onlineSince.
func CountRunners(ctx context.Context, onlineSince int64) (live, online int64, err error) {
	live, err = db.GetEngine(ctx).Where("deleted = 0").Count(new(Runner))
	if err != nil {
		return 0, 0, db.Wrap(err)
	}
	online, err = db.GetEngine(ctx).Where("deleted = 0 AND last_online > ?", onlineSince).Count(new(Runner))
	return live, online, db.Wrap(err)
}

// CountBusyRunners counts runners with a task running.
func CountBusyRunners(ctx context.Context) (int64, error) {
	var n int64
	_, err := db.GetEngine(ctx).SQL("SELECT COUNT(DISTINCT runner_id) FROM action_task WHERE status = ?", StatusRunning).Get(&n)
	return n, db.Wrap(err)
}

// WaitingLabelSet is how many jobs wait for one runs-on label set.
type WaitingLabelSet struct {
	Labels []string
	Count  int64
}

// CountWaitingJobsByLabelSet groups the waiting jobs by their runs-on set.
func CountWaitingJobsByLabelSet(ctx context.Context) ([]WaitingLabelSet, error) {
	var rows []struct {
		Labels string
		N      int64
	}
	err := db.GetEngine(ctx).SQL(
		"SELECT s.labels AS labels, COUNT(*) AS n FROM action_run_job j JOIN action_label_set s ON s.label_key = j.label_key"+
			" WHERE j.status = ? GROUP BY s.label_key, s.labels", StatusWaiting).Find(&rows)
	if err != nil {
		return nil, db.Wrap(err)
	}
	out := make([]WaitingLabelSet, len(rows))
	for i, r := range rows {
		out[i] = WaitingLabelSet{Labels: decodeStrings(r.Labels), Count: r.N}
	}
	return out, nil
}
