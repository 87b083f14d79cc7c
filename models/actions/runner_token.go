package actions

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// RunnerToken is a registration token. Each scope has at most one default
// token (Gitea's reusable token, shown again on request, so it is also kept
// encrypted); named tokens are shown once and may expire or be capped.
type RunnerToken struct {
	ID          int64  `xorm:"pk autoincr"`
	Name        string `xorm:"VARCHAR(255)"`
	Description string `xorm:"TEXT"`
	TokenHash   string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	TokenCipher string `xorm:"TEXT"` // only for the default token
	OwnerID     int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID      int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	IsDefault   bool   `xorm:"NOT NULL DEFAULT false"`
	Disabled    bool   `xorm:"NOT NULL DEFAULT false"`
	ExpiresUnix int64  `xorm:"NOT NULL DEFAULT 0"` // 0: never
	MaxUses     int64  `xorm:"NOT NULL DEFAULT 0"` // 0: unlimited
	Uses        int64  `xorm:"NOT NULL DEFAULT 0"`
	CreatedBy   int64  `xorm:"NOT NULL DEFAULT 0"`
	// RunnerGroupID is set on a runner group's own reusable token, whose
	// runners join that group; 0 for the scope's tokens.
	RunnerGroupID int64 `xorm:"NOT NULL DEFAULT 0"`
	Created       int64 `xorm:"created"`
	Updated       int64 `xorm:"updated"`
	Deleted       int64 `xorm:"INDEX NOT NULL DEFAULT 0"`
}

func (RunnerToken) TableName() string { return "action_runner_token" }

// CreateRunnerToken stores t.
func CreateRunnerToken(ctx context.Context, t *RunnerToken) error {
	_, err := db.GetEngine(ctx).Insert(t)
	return db.Wrap(err)
}

// GetRunnerTokenByHash finds a token, deleted or not, by its stored hash so
// that a refusal can say why.
func GetRunnerTokenByHash(ctx context.Context, hash string) (*RunnerToken, error) {
	t := &RunnerToken{}
	has, err := db.GetEngine(ctx).Where("token_hash = ?", hash).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("registration token: %w", db.ErrNotExist)
	}
	return t, nil
}

// GetDefaultRunnerToken returns the scope's live, enabled default token; a
// disabled one no longer counts, so asking again makes a new one, as in Gitea.
func GetDefaultRunnerToken(ctx context.Context, ownerID, repoID int64) (*RunnerToken, error) {
	t := &RunnerToken{}
	has, err := db.GetEngine(ctx).
		Where("owner_id = ? AND repo_id = ? AND is_default = ? AND disabled = ? AND deleted = 0 AND runner_group_id = 0", ownerID, repoID, true, false).
		Desc("id").Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("default registration token: %w", db.ErrNotExist)
	}
	return t, nil
}

// DeleteDefaultRunnerTokens removes the scope's default token(s), which is how
// a reset makes the old token stop working at once.
func DeleteDefaultRunnerTokens(ctx context.Context, ownerID, repoID, now int64) error {
	_, err := db.GetEngine(ctx).Exec(
		"UPDATE action_runner_token SET deleted = ? WHERE owner_id = ? AND repo_id = ? AND is_default = ? AND deleted = 0 AND runner_group_id = 0",
		now, ownerID, repoID, true)
	return db.Wrap(err)
}

// UseRunnerToken counts one registration against t; it reports false when a
// concurrent registration used the last allowed use or the token changed state.
func UseRunnerToken(ctx context.Context, t *RunnerToken) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_runner_token SET uses = uses + 1 WHERE id = ? AND deleted = 0 AND disabled = ? AND (max_uses = 0 OR uses < max_uses)",
		t.ID, false)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}
