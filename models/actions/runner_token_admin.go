package actions

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// FindRunnerTokens returns a page of the scope's live registration tokens,
// newest first, and how many there are; its runner groups' own tokens are
// not the scope's.
func FindRunnerTokens(ctx context.Context, ownerID, repoID int64, page db.Page) ([]*RunnerToken, int64, error) {
	var ts []*RunnerToken
	sess := db.GetEngine(ctx).Where("owner_id = ? AND repo_id = ? AND deleted = 0 AND runner_group_id = 0", ownerID, repoID).Desc("id")
	total, err := page.Apply(sess).FindAndCount(&ts)
	return ts, total, db.Wrap(err)
}

// GetRunnerTokenByID returns a live registration token.
func GetRunnerTokenByID(ctx context.Context, id int64) (*RunnerToken, error) {
	t := &RunnerToken{}
	has, err := db.GetEngine(ctx).Where("id = ? AND deleted = 0", id).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("registration token %d: %w", id, db.ErrNotExist)
	}
	return t, nil
}

// CountLiveRunnerTokensByName counts the scope's live tokens called name.
func CountLiveRunnerTokensByName(ctx context.Context, ownerID, repoID int64, name string) (int64, error) {
	n, err := db.GetEngine(ctx).Where("owner_id = ? AND repo_id = ? AND name = ? AND deleted = 0", ownerID, repoID, name).Count(new(RunnerToken))
	return n, db.Wrap(err)
}

// SetRunnerTokenDisabled disables or enables a live token.
func SetRunnerTokenDisabled(ctx context.Context, id int64, disabled bool) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_runner_token SET disabled = ? WHERE id = ? AND deleted = 0", disabled, id)
	return db.Wrap(err)
}

// DeleteRunnerToken removes a live token; the row stays so that a runner
// presenting it is told it was deleted.
func DeleteRunnerToken(ctx context.Context, id, now int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_runner_token SET deleted = ? WHERE id = ? AND deleted = 0", now, id)
	return db.Wrap(err)
}
