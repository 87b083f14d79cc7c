package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// ReplaceLegacyTokenHash stores the runner's own token hash in place of the
// legacy one it still had. It compares the legacy hash it read, so of two
// first calls at once one writes and the other finds it done (false).
func ReplaceLegacyTokenHash(ctx context.Context, id int64, legacy, tokenHash string) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_runner SET token_hash = ?, legacy_token_hash = '' WHERE id = ? AND legacy_token_hash = ?",
		tokenHash, id, legacy)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// GetTaskLegacyLogFilename returns where Gitea left the task's finished log
// in its storage, or "" when the log is in action_log_chunk.
func GetTaskLegacyLogFilename(ctx context.Context, taskID int64) (string, error) {
	var name string
	_, err := db.GetEngine(ctx).Table("action_task").Cols("legacy_log_filename").Where("id = ?", taskID).Get(&name)
	return name, db.Wrap(err)
}
