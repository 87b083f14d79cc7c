package actions

import (
	"context"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// RerunRun runs every job of a finished run again, as a new attempt.
func (s *Service) RerunRun(ctx context.Context, runID int64) error {
	return s.rerun(ctx, runID, func(latest []*actions_model.RunJob) ([]*actions_model.RunJob, error) {
		return latest, nil
	})
}

// RerunFailedJobs runs the failed and cancelled jobs of a finished run
// again, with the jobs that need them, as a new attempt; the jobs that
// succeeded keep their result, and their outputs feed the jobs run again.
func (s *Service) RerunFailedJobs(ctx context.Context, runID int64) error {
	return s.rerun(ctx, runID, func(latest []*actions_model.RunJob) ([]*actions_model.RunJob, error) {
		var failed []*actions_model.RunJob
		for _, j := range latest {
			if j.Status == actions_model.StatusFailure || j.Status == actions_model.StatusCancelled {
				failed = append(failed, j)
			}
		}
		if len(failed) == 0 {
			return nil, fmt.Errorf("%w: no job of run %d failed or was cancelled", errs.FailedPrecondition, runID)
		}
		return failed, nil
	})
}

// RerunJob runs one job of a finished run again, with the jobs that need
// it, as a new attempt. A job of an earlier attempt names its job.
func (s *Service) RerunJob(ctx context.Context, jobID int64) error {
	job, err := actions_model.GetRunJobByID(ctx, jobID)
	if err != nil {
		return err
	}
	return s.rerun(ctx, job.RunID, func(latest []*actions_model.RunJob) ([]*actions_model.RunJob, error) {
		for _, j := range latest {
			if actions_model.IsSameJob(j, job) {
				return []*actions_model.RunJob{j}, nil
			}
		}
		return nil, fmt.Errorf("job %d: %w", jobID, db.ErrNotExist) // cannot happen: the job is one of them
	})
}

// rerun starts the next attempt of a finished run with the jobs choose
// picks and every job that needs one of them, directly or not. The jobs run
// again are new rows (new ids, the new attempt number), so a webhook
// consumer sees each job id's status only move forward and hears of the new
// ones queued, as GitHub tells of a re-run. Jobs not run again keep their
// rows and results.
func (s *Service) rerun(ctx context.Context, runID int64, choose func([]*actions_model.RunJob) ([]*actions_model.RunJob, error)) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		run, err := actions_model.GetRunByID(ctx, runID)
		if err != nil {
			return err
		}
		if !run.Status.IsDone() {
			return fmt.Errorf("%w: run %d is still %s; wait for it to end or cancel it first", errs.FailedPrecondition, runID, run.Status)
		}
		latest, err := actions_model.GetLatestRunJobsByRunID(ctx, runID)
		if err != nil {
			return err
		}
		seeds, err := choose(latest)
		if err != nil {
			return err
		}
		again := withDependents(latest, seeds)
		attempt := run.Attempt + 1
		for _, j := range latest {
			attempt = max(attempt, j.Attempt+1)
		}
		now := s.now().Unix()
		ok, err := actions_model.StartRunAttempt(ctx, runID, run.Attempt, attempt, now)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: run %d changed meanwhile; look again", errs.FailedPrecondition, runID)
		}
		var blocked []*actions_model.RunJob
		for _, old := range latest {
			if !again[old.ID] {
				continue
			}
			j := actions_model.NextRow(old, attempt)
			if len(j.NeedList()) > 0 {
				j.Status = actions_model.StatusBlocked // advanceRun below lets it wait once its needs are over
			}
			if err := actions_model.CreateRunJob(ctx, j); err != nil {
				return err
			}
			if j.Status == actions_model.StatusBlocked {
				blocked = append(blocked, j)
				continue
			}
			if err := s.queueJob(ctx, j, now); err != nil {
				return err
			}
			if err := s.jobChanged(ctx, JobChange{Job: j}); err != nil {
				return err
			}
		}
		if err := s.advanceRun(ctx, runID); err != nil {
			return err
		}
		// A job whose needs were not run again was let wait (or skipped) by
		// advanceRun, which told of it; only the ones still blocked are told
		// now, so each new job's first event is where it really stands.
		for _, j := range blocked {
			cur, err := actions_model.GetRunJobByID(ctx, j.ID)
			if err != nil {
				return err
			}
			if cur.Status == actions_model.StatusBlocked {
				if err := s.jobChanged(ctx, JobChange{Job: cur}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// withDependents returns the ids of seeds and of every job of latest that
// needs one of them, directly or through others.
func withDependents(latest, seeds []*actions_model.RunJob) map[int64]bool {
	ids := make(map[int64]bool, len(latest))
	names := map[string]bool{}
	for _, j := range seeds {
		ids[j.ID], names[j.JobID] = true, true
	}
	for grown := true; grown; { // each pass adds a job or stops
		grown = false
		for _, j := range latest {
			if ids[j.ID] {
				continue
			}
			for _, n := range j.NeedList() {
				if names[n] {
					ids[j.ID], names[j.JobID], grown = true, true, true
					break
				}
			}
		}
	}
	return ids
}
