package convert

import (
	"context"
	"errors"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
)

// runnerGroup is the runner group of the runner that took a job, for the
// job's runner_group_id and runner_group_name: once a runner took the job
// clients expect a value, so a repository runner, which is in no group, and
// a runner or group since removed give 0 and "".
func runnerGroup(ctx context.Context, runner *actions_model.Runner) (*int64, *string, error) {
	id, name := int64(0), ""
	if runner != nil && runner.RunnerGroupID != 0 {
		g, err := actions_model.GetRunnerGroupByID(ctx, runner.RunnerGroupID)
		switch {
		case err == nil:
			id, name = g.ID, g.Name
		case !errors.Is(err, db.ErrNotExist):
			return nil, nil, err
		}
	}
	return &id, &name, nil
}
