package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// touchChunk bounds the ids of one statement, well under every database's
// limit on bound parameters.
const touchChunk = 500

// TouchRunners records that the runners were in touch at now, with one
// statement per touchChunk runners.
func TouchRunners(ctx context.Context, ids []int64, now int64) error {
	for len(ids) > 0 {
		n := min(len(ids), touchChunk)
		_, err := db.GetEngine(ctx).Table("action_runner").In("id", ids[:n]).Update(map[string]any{"last_online": now})
		if err != nil {
			return db.Wrap(err)
		}
		ids = ids[n:]
	}
	return nil
}
