package actions

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// GetTaskByTokenHash finds the task whose runtime token hashes to hash,
// finished or not, so that a refusal can say why.
func GetTaskByTokenHash(ctx context.Context, hash string) (*Task, error) {
	t := &Task{}
	has, err := db.GetEngine(ctx).Where("token_hash = ?", hash).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("runtime token: %w", db.ErrNotExist)
	}
	return t, nil
}
