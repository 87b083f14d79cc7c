package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// FindRunningTasksOfRunners returns the unfinished tasks of the given
// runners, keyed by runner id: what makes a runner busy.
func FindRunningTasksOfRunners(ctx context.Context, runnerIDs []int64) (map[int64]*Task, error) {
	out := map[int64]*Task{}
	if len(runnerIDs) == 0 {
		return out, nil
	}
	var ts []*Task
	if err := db.GetEngine(ctx).In("runner_id", runnerIDs).And("status = ?", StatusRunning).Find(&ts); err != nil {
		return nil, db.Wrap(err)
	}
	for _, t := range ts {
		out[t.RunnerID] = t
	}
	return out, nil
}

// FindTasksOfRunner returns the runner's newest tasks.
func FindTasksOfRunner(ctx context.Context, runnerID int64, limit int) ([]*Task, error) {
	var ts []*Task
	err := db.GetEngine(ctx).Where("runner_id = ?", runnerID).Desc("id").Limit(limit).Find(&ts)
	return ts, db.Wrap(err)
}

// GetRunJobsByIDs returns jobs keyed by id.
func GetRunJobsByIDs(ctx context.Context, ids []int64) (map[int64]*RunJob, error) {
	out := map[int64]*RunJob{}
	if len(ids) == 0 {
		return out, nil
	}
	var js []*RunJob
	if err := db.GetEngine(ctx).In("id", ids).Omit("workflow_payload").Find(&js); err != nil {
		return nil, db.Wrap(err)
	}
	for _, j := range js {
		out[j.ID] = j
	}
	return out, nil
}
