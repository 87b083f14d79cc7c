package workflow

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// RunFilter selects runs for ListRuns, as GitHub's run filters do. A nil
// list selects any value, an empty one none; each list matches any of its
// values.
type RunFilter struct {
	Statuses []actions_model.Status
	Events   []string
	Branches []string // branch names; "refs/heads/" is implied
	ActorIDs []int64  // the users who started the runs
	HeadSHAs []string
	// CreatedFrom and CreatedBefore bound the creation time in Unix seconds,
	// [from, before); nil: no bound.
	CreatedFrom, CreatedBefore *int64
	Page, PageSize             int
}

// ListRuns lists a repository's runs that pass f, newest first, with the
// total count.
func (s *Service) ListRuns(ctx context.Context, repoID int64, f RunFilter) ([]*actions_model.Run, int64, error) {
	opts := actions_model.FindRunsOptions{
		RepoID: repoID, Statuses: f.Statuses, Events: f.Events, TriggerUserIDs: f.ActorIDs, CommitSHAs: f.HeadSHAs,
		CreatedFrom: f.CreatedFrom, CreatedBefore: f.CreatedBefore, Page: f.Page, PageSize: f.PageSize,
	}
	if f.Branches != nil {
		// A run's ref is stored as given: "refs/heads/main", or a bare name.
		opts.Refs = make([]string, 0, 2*len(f.Branches))
		for _, b := range f.Branches {
			opts.Refs = append(opts.Refs, "refs/heads/"+b, b)
		}
	}
	return actions_model.FindRuns(ctx, opts)
}

// GetRun returns a run of the scope.
func (s *Service) GetRun(ctx context.Context, sc identity.Scope, runID int64) (*actions_model.Run, error) {
	run, err := actions_model.GetRunByID(ctx, runID)
	if err != nil {
		return nil, err
	}
	if !sc.Contains(run.OwnerID, run.RepoID) {
		return nil, fmt.Errorf("%w: run %d", errs.NotFound, runID)
	}
	return run, nil
}

// GetJob returns a job of the scope.
func (s *Service) GetJob(ctx context.Context, sc identity.Scope, jobID int64) (*actions_model.RunJob, error) {
	j, err := actions_model.GetRunJobByID(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if !sc.Contains(j.OwnerID, j.RepoID) {
		return nil, fmt.Errorf("%w: job %d", errs.NotFound, jobID)
	}
	return j, nil
}

// JobFilter selects jobs for ListJobs.
type JobFilter struct {
	RunID    int64
	Statuses []actions_model.Status
	// Labels, when set, keeps the jobs a runner with these labels could
	// take: those whose every runs-on label is among them.
	Labels []string
	// LatestAttempt keeps, of a job run again, only its latest attempt.
	LatestAttempt bool
	Page          int
	PageSize      int
}

// ListJobs lists the scope's jobs, oldest first, with the total count.
func (s *Service) ListJobs(ctx context.Context, sc identity.Scope, f JobFilter) ([]*actions_model.RunJob, int64, error) {
	opts := actions_model.FindJobsOptions{
		OwnerID: sc.OwnerID(), RepoID: sc.RepoID(), RunID: f.RunID, Statuses: f.Statuses,
		LatestAttempt: f.LatestAttempt, Page: f.Page, PageSize: f.PageSize,
	}
	if f.Labels != nil {
		keys, err := labelKeysServedBy(ctx, f.Labels)
		if err != nil {
			return nil, 0, err
		}
		opts.LabelKeys = keys
	}
	return actions_model.FindJobs(ctx, opts)
}

// CancelRun cancels a run of the scope.
func (s *Service) CancelRun(ctx context.Context, sc identity.Scope, runID int64) (*actions_model.Run, error) {
	if _, err := s.GetRun(ctx, sc, runID); err != nil {
		return nil, err
	}
	if err := s.actions.CancelRun(ctx, runID); err != nil {
		return nil, err
	}
	return actions_model.GetRunByID(ctx, runID)
}

// CancelJob cancels a job of the scope.
func (s *Service) CancelJob(ctx context.Context, sc identity.Scope, jobID int64) (*actions_model.RunJob, error) {
	if _, err := s.GetJob(ctx, sc, jobID); err != nil {
		return nil, err
	}
	if err := s.actions.CancelJob(ctx, jobID); err != nil {
		return nil, err
	}
	return actions_model.GetRunJobByID(ctx, jobID)
}

// labelKeysServedBy lists the runs-on sets a runner with these labels can
// serve. Labels may be written as a runner declares them ("linux:host"):
// only the name before the colon counts.
func labelKeysServedBy(ctx context.Context, labels []string) ([]string, error) {
	have := make(map[string]bool, len(labels))
	for _, l := range labels {
		name, _, _ := strings.Cut(strings.TrimSpace(l), ":")
		have[name] = true
	}
	sets, err := actions_model.FindLabelSetsAfter(ctx, 0)
	if err != nil {
		return nil, err
	}
	keys := []string{}
	for _, set := range sets {
		all := true
		for _, l := range set.LabelList() {
			all = all && have[l]
		}
		if all {
			keys = append(keys, set.LabelKey)
		}
	}
	return keys, nil
}
