package actions

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// GetGroupRunnerToken returns the live, enabled reusable token of a runner group.
func GetGroupRunnerToken(ctx context.Context, groupID int64) (*RunnerToken, error) {
	t := &RunnerToken{}
	has, err := db.GetEngine(ctx).
		Where("runner_group_id = ? AND is_default = ? AND disabled = ? AND deleted = 0", groupID, true, false).
		Desc("id").Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("registration token of runner group %d: %w", groupID, db.ErrNotExist)
	}
	return t, nil
}

// DeleteGroupRunnerTokens removes the group's tokens: a reset, or the
// group's deletion, makes them stop working at once.
func DeleteGroupRunnerTokens(ctx context.Context, groupID, now int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_runner_token SET deleted = ? WHERE runner_group_id = ? AND deleted = 0", now, groupID)
	return db.Wrap(err)
}
