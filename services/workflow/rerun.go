package workflow

import (
	"context"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// RerunRun runs every job of a finished run of the scope again, as a new attempt.
func (s *Service) RerunRun(ctx context.Context, sc identity.Scope, runID int64) (*actions_model.Run, error) {
	if _, err := s.GetRun(ctx, sc, runID); err != nil {
		return nil, err
	}
	if err := s.actions.RerunRun(ctx, runID); err != nil {
		return nil, err
	}
	return actions_model.GetRunByID(ctx, runID)
}

// RerunFailedJobs runs the failed and cancelled jobs of a finished run of
// the scope again, with the jobs that need them.
func (s *Service) RerunFailedJobs(ctx context.Context, sc identity.Scope, runID int64) (*actions_model.Run, error) {
	if _, err := s.GetRun(ctx, sc, runID); err != nil {
		return nil, err
	}
	if err := s.actions.RerunFailedJobs(ctx, runID); err != nil {
		return nil, err
	}
	return actions_model.GetRunByID(ctx, runID)
}

// RerunJob runs one job of a finished run of the scope again, with the jobs
// that need it. runID, when not 0, is the run the caller named the job in.
func (s *Service) RerunJob(ctx context.Context, sc identity.Scope, runID, jobID int64) (*actions_model.Run, error) {
	job, err := s.GetJob(ctx, sc, jobID)
	if err != nil {
		return nil, err
	}
	if runID != 0 && job.RunID != runID {
		return nil, fmt.Errorf("%w: job %d is not a job of run %d", errs.NotFound, jobID, runID)
	}
	if err := s.actions.RerunJob(ctx, jobID); err != nil {
		return nil, err
	}
	return actions_model.GetRunByID(ctx, job.RunID)
}

// RunJobs lists a run's jobs in creation order: the latest attempt of each
// job, or every attempt's rows when all is set.
func (s *Service) RunJobs(ctx context.Context, sc identity.Scope, runID int64, all bool) ([]*actions_model.RunJob, error) {
	if _, err := s.GetRun(ctx, sc, runID); err != nil {
		return nil, err
	}
	jobs, err := actions_model.GetRunJobsByRunID(ctx, runID)
	if err != nil || all {
		return jobs, err
	}
	return actions_model.LatestAttempts(jobs), nil
}
