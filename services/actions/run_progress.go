package actions

import (
	"context"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// advanceRun moves a run on after one of its jobs ended: blocked jobs whose
// needs are all over become waiting (or skipped when a need did not
// succeed), and a run whose jobs are all over gets its final status.
func (s *Service) advanceRun(ctx context.Context, runID int64) error {
	jobs, err := actions_model.GetRunJobsByRunID(ctx, runID)
	if err != nil {
		return err
	}
	now := s.now().Unix()
	byID := make(map[string]*actions_model.RunJob, len(jobs))
	for _, j := range jobs {
		byID[j.JobID] = j
	}
	// Skipping one job can settle the jobs that need it, so repeat until
	// nothing changes; each pass settles at least one job or stops.
	for changed := true; changed; {
		changed = false
		for _, j := range jobs {
			if j.Status != actions_model.StatusBlocked {
				continue
			}
			next, settled := nextStatusOfBlocked(j, byID)
			if !settled {
				continue
			}
			ok, err := actions_model.SetJobStatus(ctx, j.ID, []actions_model.Status{actions_model.StatusBlocked}, next, now)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			j.Status, changed = next, true
			if next == actions_model.StatusWaiting {
				if err := queueJob(ctx, j); err != nil {
					return err
				}
			}
		}
	}
	return s.settleRun(ctx, runID, jobs, now)
}

// nextStatusOfBlocked decides a blocked job's fate once all its needs are over.
func nextStatusOfBlocked(j *actions_model.RunJob, byID map[string]*actions_model.RunJob) (actions_model.Status, bool) {
	next := actions_model.StatusWaiting
	for _, need := range j.NeedList() {
		n, ok := byID[need]
		if !ok {
			continue // validated at intake; a missing need cannot block forever
		}
		if !n.Status.IsDone() {
			return 0, false
		}
		if n.Status != actions_model.StatusSuccess {
			next = actions_model.StatusSkipped
		}
	}
	return next, true
}

func (s *Service) settleRun(ctx context.Context, runID int64, jobs []*actions_model.RunJob, now int64) error {
	status := actions_model.StatusSuccess
	for _, j := range jobs {
		switch {
		case !j.Status.IsDone():
			return nil
		case j.Status == actions_model.StatusFailure:
			status = actions_model.StatusFailure
		case j.Status == actions_model.StatusCancelled && status != actions_model.StatusFailure:
			status = actions_model.StatusCancelled
		}
	}
	run, err := actions_model.GetRunByID(ctx, runID)
	if err != nil || run.Status.IsDone() {
		return err
	}
	run.Status, run.Stopped = status, now
	return actions_model.UpdateRun(ctx, run, "status", "stopped")
}

// queueJob makes a job that has just become waiting findable by runners.
func queueJob(ctx context.Context, j *actions_model.RunJob) error {
	if err := actions_model.EnsureLabelSet(ctx, j); err != nil {
		return err
	}
	return actions_model.IncreaseTasksVersion(ctx, j.OwnerID, j.RepoID)
}
