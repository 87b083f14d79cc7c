package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// GetRunnersByIDsAnyState returns the runners with these ids, removed or
// not; an id with no row is left out.
func GetRunnersByIDsAnyState(ctx context.Context, ids []int64) (map[int64]*Runner, error) {
	out := make(map[int64]*Runner, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rs []*Runner
	if err := db.GetEngine(ctx).In("id", ids).Find(&rs); err != nil {
		return nil, db.Wrap(err)
	}
	for _, r := range rs {
		out[r.ID] = r
	}
	return out, nil
}
