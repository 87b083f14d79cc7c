package actions

import (
	"context"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// CancelRun cancels every job of the run that is not over: waiting and
// blocked jobs end at once; running ones end through their task, and their
// runner learns it from its next UpdateTask answer (result CANCELLED), which
// makes act_runner stop the job.
func (s *Service) CancelRun(ctx context.Context, runID int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		run, err := actions_model.GetRunByID(ctx, runID)
		if err != nil {
			return err
		}
		if run.Status.IsDone() {
			return fmt.Errorf("%w: run %d is already %s", errs.FailedPrecondition, runID, run.Status)
		}
		jobs, err := actions_model.GetRunJobsByRunID(ctx, runID)
		if err != nil {
			return err
		}
		// Idle jobs first, so ending a running one cannot start a dependent.
		for i, j := range jobs {
			if jobs[i], err = s.cancelIdleJob(ctx, j); err != nil {
				return err
			}
		}
		for _, j := range jobs {
			if j.Status == actions_model.StatusRunning {
				if err := s.cancelRunningJob(ctx, j); err != nil {
					return err
				}
			}
		}
		return s.advanceRun(ctx, runID)
	})
}

// CancelJob cancels one job that is not over; the jobs that need it are
// then skipped unless their `if:` says otherwise.
func (s *Service) CancelJob(ctx context.Context, jobID int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		j, err := actions_model.GetRunJobByID(ctx, jobID)
		if err != nil {
			return err
		}
		if j.Status.IsDone() {
			return fmt.Errorf("%w: job %d is already %s", errs.FailedPrecondition, jobID, j.Status)
		}
		if j, err = s.cancelIdleJob(ctx, j); err != nil {
			return err
		}
		if j.Status == actions_model.StatusRunning {
			return s.cancelRunningJob(ctx, j)
		}
		return s.advanceRun(ctx, j.RunID)
	})
}

// cancelIdleJob ends a waiting or blocked job and returns the job as it is
// now. Other jobs are returned as they are; so is a job a runner claimed a
// moment ago, reloaded, for the caller to cancel through its task.
func (s *Service) cancelIdleJob(ctx context.Context, j *actions_model.RunJob) (*actions_model.RunJob, error) {
	if j.Status != actions_model.StatusWaiting && j.Status != actions_model.StatusBlocked {
		return j, nil
	}
	now := s.now().Unix()
	ok, err := actions_model.SetJobStatus(ctx, j.ID,
		[]actions_model.Status{actions_model.StatusWaiting, actions_model.StatusBlocked}, actions_model.StatusCancelled, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return actions_model.GetRunJobByID(ctx, j.ID)
	}
	j.Status, j.Stopped = actions_model.StatusCancelled, now
	return j, s.jobChanged(ctx, JobChange{Job: j})
}

// cancelRunningJob ends the job's task as cancelled.
func (s *Service) cancelRunningJob(ctx context.Context, j *actions_model.RunJob) error {
	t, err := actions_model.GetTaskByID(ctx, j.TaskID)
	if err != nil {
		return err
	}
	_, err = s.endTask(ctx, t, actions_model.StatusCancelled)
	return err
}
