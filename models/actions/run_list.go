package actions

import (
	"context"

	"xorm.io/builder"

	"code.runnerhub.dev/runnerhub/models/db"
)

// FindRunsOptions filters a repository's runs. A nil list selects any value;
// an empty, non-nil one selects none (the caller was asked for values no
// run can have). Each list matches any of its values.
type FindRunsOptions struct {
	RepoID         int64
	Statuses       []Status
	Events         []string
	Refs           []string
	TriggerUserIDs []int64
	CommitSHAs     []string
	// CreatedFrom and CreatedBefore bound the creation time, in Unix
	// seconds: [CreatedFrom, CreatedBefore); nil is no bound.
	CreatedFrom, CreatedBefore *int64
	Page                       int // from 1
	PageSize                   int
}

// FindRuns lists a repository's runs, newest first, and counts all that
// match. Every filter is part of the query.
func FindRuns(ctx context.Context, opts FindRunsOptions) ([]*Run, int64, error) {
	cond := builder.NewCond().And(builder.Eq{"repo_id": opts.RepoID})
	for _, in := range []struct {
		col  string
		vals any
		n    int
		set  bool
	}{
		{"status", opts.Statuses, len(opts.Statuses), opts.Statuses != nil},
		{"event", opts.Events, len(opts.Events), opts.Events != nil},
		{"ref", opts.Refs, len(opts.Refs), opts.Refs != nil},
		{"trigger_user_id", opts.TriggerUserIDs, len(opts.TriggerUserIDs), opts.TriggerUserIDs != nil},
		{"commit_sha", opts.CommitSHAs, len(opts.CommitSHAs), opts.CommitSHAs != nil},
	} {
		if !in.set {
			continue
		}
		if in.n == 0 {
			return nil, 0, nil
		}
		cond = cond.And(builder.In(in.col, in.vals))
	}
	if opts.CreatedFrom != nil {
		cond = cond.And(builder.Gte{"created": *opts.CreatedFrom})
	}
	if opts.CreatedBefore != nil {
		cond = cond.And(builder.Lt{"created": *opts.CreatedBefore})
	}
	var runs []*Run
	total, err := db.GetEngine(ctx).Where(cond).Desc("id").
		Limit(opts.PageSize, (opts.Page-1)*opts.PageSize).FindAndCount(&runs)
	return runs, total, db.Wrap(err)
}

// FindJobsOptions filters jobs in a scope: a repository (RepoID), an owner
// (OwnerID) or everything (both 0). LabelKeys, when not nil, keeps only jobs
// whose runs-on set is one of them. Statuses nil means any, empty none.
type FindJobsOptions struct {
	OwnerID   int64
	RepoID    int64
	RunID     int64
	Statuses  []Status
	LabelKeys []string
	// LatestAttempt keeps, of a job run again, only its latest attempt's row.
	LatestAttempt bool
	Page          int // from 1
	PageSize      int
}

// FindJobs lists jobs oldest first, as a queue reads, and counts all that match.
func FindJobs(ctx context.Context, opts FindJobsOptions) ([]*RunJob, int64, error) {
	cond := builder.NewCond()
	switch {
	case opts.RepoID != 0:
		cond = cond.And(builder.Eq{"repo_id": opts.RepoID})
	case opts.OwnerID != 0:
		cond = cond.And(builder.Eq{"owner_id": opts.OwnerID})
	}
	if opts.RunID != 0 {
		cond = cond.And(builder.Eq{"run_id": opts.RunID})
	}
	if opts.Statuses != nil {
		if len(opts.Statuses) == 0 {
			return nil, 0, nil // asked for statuses no job can have
		}
		cond = cond.And(builder.In("status", opts.Statuses))
	}
	if opts.LabelKeys != nil {
		if len(opts.LabelKeys) == 0 {
			return nil, 0, nil // no runs-on set fits
		}
		cond = cond.And(builder.In("label_key", opts.LabelKeys))
	}
	if opts.LatestAttempt {
		cond = cond.And(builder.Expr("NOT EXISTS (SELECT 1 FROM action_run_job later WHERE later.run_id = action_run_job.run_id" +
			" AND later.job_id = action_run_job.job_id AND later.name = action_run_job.name AND later.attempt > action_run_job.attempt)"))
	}
	var jobs []*RunJob
	total, err := db.GetEngine(ctx).Where(cond).Asc("id").
		Limit(opts.PageSize, (opts.Page-1)*opts.PageSize).FindAndCount(&jobs)
	return jobs, total, db.Wrap(err)
}

// GetRunnerByIDEvenDeleted returns a runner also after it was removed, to
// name the runner that ran an old job.
func GetRunnerByIDEvenDeleted(ctx context.Context, id int64) (*Runner, bool, error) {
	r := &Runner{}
	has, err := db.GetEngine(ctx).ID(id).Get(r)
	return r, has, db.Wrap(err)
}
