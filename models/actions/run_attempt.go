package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// A re-run is a new attempt: the jobs run again are new rows with the
// run's next attempt number, and the rows of earlier attempts stay as they
// ended, with their tasks and logs. A job of the run is its JobID and Name
// (the entries of a matrix job share the JobID); its row of the highest
// attempt is the one that counts.

type jobKey struct{ jobID, name string }

// LatestAttempts keeps, of each job of a run, the row of its latest
// attempt, in the order the jobs were first created. Of two rows of one
// attempt the newer one counts: it replaced the other when that one's
// runner vanished (RunJob.RetryOf).
func LatestAttempts(jobs []*RunJob) []*RunJob {
	at := make(map[jobKey]int, len(jobs))
	var out []*RunJob
	for _, j := range jobs {
		k := jobKey{j.JobID, j.Name}
		i, seen := at[k]
		switch {
		case !seen:
			at[k] = len(out)
			out = append(out, j)
		case j.Attempt > out[i].Attempt || (j.Attempt == out[i].Attempt && j.ID > out[i].ID):
			out[i] = j
		}
	}
	return out
}

// IsSameJob reports whether a and b are attempts of one job of a run.
func IsSameJob(a, b *RunJob) bool {
	return a.RunID == b.RunID && a.JobID == b.JobID && a.Name == b.Name
}

// GetLatestRunJobsByRunID returns the latest attempt of each job of a run.
func GetLatestRunJobsByRunID(ctx context.Context, runID int64) ([]*RunJob, error) {
	jobs, err := GetRunJobsByRunID(ctx, runID)
	if err != nil {
		return nil, err
	}
	return LatestAttempts(jobs), nil
}

// StartRunAttempt moves a finished run at attempt from to attempt to, back
// to waiting. It reports false when the run is no longer finished at that
// attempt: another re-run or a change came first.
func StartRunAttempt(ctx context.Context, runID, from, to, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_run SET attempt = ?, status = ?, started = 0, stopped = 0, updated = ? WHERE id = ? AND attempt = ? AND status IN (?, ?, ?, ?)",
		to, StatusWaiting, now, runID, from, StatusSuccess, StatusFailure, StatusCancelled, StatusSkipped)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// NextRow is a fresh row for job old to run again: the same job of the same
// run with attempt's number, waiting (the caller makes it blocked when it
// must wait for its needs). Its id is new, so a consumer sees it as a job
// of its own.
func NextRow(old *RunJob, attempt int64) *RunJob {
	return &RunJob{
		RunID: old.RunID, OwnerID: old.OwnerID, RepoID: old.RepoID, Name: old.Name, JobID: old.JobID,
		Attempt: attempt, WorkflowPayload: old.WorkflowPayload, Needs: old.Needs, RunsOn: old.RunsOn,
		IfCondition: old.IfCondition, LabelKey: old.LabelKey, Status: StatusWaiting,
	}
}
