package actions

import (
	"context"

	"xorm.io/builder"

	"code.runnerhub.dev/runnerhub/models/db"
)

// WaitingCount is how many jobs of one runs-on set wait in one repository,
// and since when the oldest of them does.
type WaitingCount struct {
	LabelKey string
	Labels   []string
	OwnerID  int64
	RepoID   int64
	Count    int64
	Oldest   int64 // the earliest queued time among them
}

// scopeCond restricts jobs or runners' rows to a scope: an owner's, a
// repository's, or (both 0) everything.
func scopeCond(ownerID, repoID int64) builder.Cond {
	switch {
	case repoID != 0:
		return builder.Eq{"repo_id": repoID}
	case ownerID != 0:
		return builder.Eq{"owner_id": ownerID}
	}
	return builder.NewCond()
}

// CountWaitingJobsInScope groups the scope's waiting jobs by runs-on set
// and repository. It reads the claim indexes, whose leading columns are
// the status and the label key.
func CountWaitingJobsInScope(ctx context.Context, ownerID, repoID int64) ([]WaitingCount, error) {
	var rows []struct {
		LabelKey string
		OwnerID  int64
		RepoID   int64
		N        int64
		Oldest   int64
	}
	cond := builder.Eq{"status": StatusWaiting}.And(scopeCond(ownerID, repoID))
	err := db.GetEngine(ctx).Table("action_run_job").Select("label_key, owner_id, repo_id, COUNT(*) AS n, MIN(queued) AS oldest").
		Where(cond).GroupBy("label_key, owner_id, repo_id").Find(&rows)
	if err != nil {
		return nil, db.Wrap(err)
	}
	keys := make([]string, 0, len(rows))
	for _, r := range rows {
		keys = append(keys, r.LabelKey)
	}
	labels, err := labelsOfKeys(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]WaitingCount, len(rows))
	for i, r := range rows {
		out[i] = WaitingCount{LabelKey: r.LabelKey, Labels: labels[r.LabelKey], OwnerID: r.OwnerID, RepoID: r.RepoID, Count: r.N, Oldest: r.Oldest}
	}
	return out, nil
}

// labelsOfKeys returns the label names of the given sets by key.
func labelsOfKeys(ctx context.Context, keys []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(keys) == 0 {
		return out, nil
	}
	var sets []*LabelSet
	if err := db.GetEngine(ctx).In("label_key", keys).Find(&sets); err != nil {
		return nil, db.Wrap(err)
	}
	for _, s := range sets {
		out[s.LabelKey] = s.LabelList()
	}
	return out, nil
}

// FindRunnersServingScope returns the live runners that may take jobs of
// the scope: for a repository, the instance's, its owner's and its own;
// for an owner, the instance's, the owner's and those of its
// repositories; for the instance, every runner.
func FindRunnersServingScope(ctx context.Context, ownerID, repoID int64) ([]*Runner, error) {
	instance := builder.Eq{"owner_id": 0, "repo_id": 0}
	cond := builder.Eq{"deleted": 0}
	var rs []*Runner
	sess := db.GetEngine(ctx).Where(cond)
	switch {
	case repoID != 0:
		sess = sess.And(builder.Or(instance, builder.Eq{"owner_id": ownerID, "repo_id": 0}, builder.Eq{"repo_id": repoID}))
	case ownerID != 0:
		sess = sess.And(builder.Or(instance, builder.Eq{"owner_id": ownerID}))
	}
	err := sess.Asc("id").Find(&rs)
	return rs, db.Wrap(err)
}

// Serves reports whether the runner's scope lets it take jobs of the
// repository: an instance runner any, an owner's runner its owner's, a
// repository's runner its own.
func (r *Runner) Serves(ownerID, repoID int64) bool {
	switch {
	case r.RepoID != 0:
		return r.RepoID == repoID
	case r.OwnerID != 0:
		return r.OwnerID == ownerID
	}
	return true
}
