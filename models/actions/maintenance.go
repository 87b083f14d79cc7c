package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// The maintenance loop's queries. Each Find returns candidates only; the
// change itself is a compare-and-set that re-checks the condition, because
// another server process may be looking at the same rows.

// FindStaleTasks returns up to limit running tasks whose runner has not been
// in touch since cutoff (or no longer exists), oldest first.
func FindStaleTasks(ctx context.Context, cutoff int64, limit int) ([]*Task, error) {
	var ts []*Task
	err := db.GetEngine(ctx).Table("action_task").Alias("t").
		Join("LEFT", []string{"action_runner", "r"}, "r.id = t.runner_id").
		Where("t.status = ? AND (r.id IS NULL OR r.last_online < ?)", StatusRunning, cutoff).
		Asc("t.id").Limit(limit).Select("t.*").Find(&ts)
	return ts, db.Wrap(err)
}

// FindTasksStartedBefore returns up to limit running tasks that started before cutoff.
func FindTasksStartedBefore(ctx context.Context, cutoff int64, limit int) ([]*Task, error) {
	var ts []*Task
	err := db.GetEngine(ctx).Where("status = ? AND started < ?", StatusRunning, cutoff).Asc("id").Limit(limit).Find(&ts)
	return ts, db.Wrap(err)
}

// LockRunningTask write-locks a running task's row until the transaction
// ends; false when the task is no longer running. (The update changes a
// value so that MySQL, which counts changed rows only, reports the match.)
func LockRunningTask(ctx context.Context, id int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec("UPDATE action_task SET updated = updated + 1 WHERE id = ? AND status = ?", id, StatusRunning)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// IsRunnerSilentSince reports whether the runner has not been in touch
// since cutoff, or is gone: the check made again just before a stale task is ended.
func IsRunnerSilentSince(ctx context.Context, runnerID, cutoff int64) (bool, error) {
	n, err := db.GetEngine(ctx).Where("id = ? AND last_online >= ?", runnerID, cutoff).Count(new(Runner))
	return n == 0, db.Wrap(err)
}

// HasTaskStartedStep reports whether the runner said any step of the task
// started (or already ended).
func HasTaskStartedStep(ctx context.Context, taskID int64) (bool, error) {
	n, err := db.GetEngine(ctx).Where("task_id = ? AND (started > 0 OR status <> ?)", taskID, StatusWaiting).Count(new(TaskStep))
	return n > 0, db.Wrap(err)
}

// CountJobTasks counts the tasks a job attempt has had.
func CountJobTasks(ctx context.Context, jobID, attempt int64) (int64, error) {
	n, err := db.GetEngine(ctx).Where("job_id = ? AND attempt = ?", jobID, attempt).Count(new(Task))
	return n, db.Wrap(err)
}

// RequeueJob puts a running job whose task was lost back to waiting, for
// another runner to claim. It reports false when the job is no longer
// running that task.
func RequeueJob(ctx context.Context, jobID, taskID, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_run_job SET status = ?, task_id = 0, started = 0, queued = ?, updated = ?, version = version + 1"+
			" WHERE id = ? AND status = ? AND task_id = ?",
		StatusWaiting, now, now, jobID, StatusRunning, taskID)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// FindIdleEphemeralRunners returns up to limit live ephemeral runners that
// registered before cutoff and never took a job.
func FindIdleEphemeralRunners(ctx context.Context, cutoff int64, limit int) ([]*Runner, error) {
	var rs []*Runner
	err := db.GetEngine(ctx).Where("deleted = 0 AND ephemeral = ? AND task_count = 0 AND created < ?", true, cutoff).
		Asc("id").Limit(limit).Find(&rs)
	return rs, db.Wrap(err)
}

// DeleteIdleEphemeralRunner removes the runner if it still never took a
// job; a claim racing with it either counted its task first (and the runner
// stays) or finds the runner removed.
func DeleteIdleEphemeralRunner(ctx context.Context, id, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_runner SET deleted = ? WHERE id = ? AND deleted = 0 AND ephemeral = ? AND task_count = 0", now, id, true)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// FindOfflineRunners returns up to limit live non-ephemeral runners not in
// touch since cutoff.
func FindOfflineRunners(ctx context.Context, cutoff int64, limit int) ([]*Runner, error) {
	var rs []*Runner
	err := db.GetEngine(ctx).Where("deleted = 0 AND ephemeral = ? AND last_online < ?", false, cutoff).
		Asc("id").Limit(limit).Find(&rs)
	return rs, db.Wrap(err)
}

// DeleteOfflineRunner removes the runner if it is still out of touch since
// cutoff and runs no task.
func DeleteOfflineRunner(ctx context.Context, id, cutoff, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_runner SET deleted = ? WHERE id = ? AND deleted = 0 AND last_online < ?"+
			" AND NOT EXISTS (SELECT 1 FROM action_task WHERE action_task.runner_id = ? AND action_task.status = ?)",
		now, id, cutoff, id, StatusRunning)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// FindJobsWaitingSince returns up to limit jobs waiting since before cutoff.
func FindJobsWaitingSince(ctx context.Context, cutoff int64, limit int) ([]*RunJob, error) {
	var js []*RunJob
	err := db.GetEngine(ctx).Where("status = ? AND queued < ?", StatusWaiting, cutoff).Asc("id").Limit(limit).Find(&js)
	return js, db.Wrap(err)
}

// FindUnusedJITRunners returns up to limit live runners made from a JIT
// config before cutoff that never took a job; DeleteIdleEphemeralRunner
// removes them, since every JIT runner is ephemeral.
func FindUnusedJITRunners(ctx context.Context, cutoff int64, limit int) ([]*Runner, error) {
	var rs []*Runner
	err := db.GetEngine(ctx).Where("deleted = 0 AND jit = ? AND task_count = 0 AND created < ?", true, cutoff).
		Asc("id").Limit(limit).Find(&rs)
	return rs, db.Wrap(err)
}
