package actions

import (
	"context"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// advanceRun moves a run on after one of its jobs ended: blocked jobs whose
// needs are all over become waiting (or skipped when a need did not succeed
// and their `if:` does not ask to run anyway), and a run whose jobs are all
// over gets its final status.
func (s *Service) advanceRun(ctx context.Context, runID int64) error {
	jobs, err := actions_model.GetLatestRunJobsByRunID(ctx, runID) // earlier attempts are over and replaced
	if err != nil {
		return err
	}
	now := s.now().Unix()
	// A matrix job is several rows with one JobID; a need waits for them all.
	byID := make(map[string][]*actions_model.RunJob, len(jobs))
	for _, j := range jobs {
		byID[j.JobID] = append(byID[j.JobID], j)
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
			if next.IsDone() {
				j.Stopped = now
			}
			if next == actions_model.StatusWaiting {
				if err := s.queueJob(ctx, j, now); err != nil {
					return err
				}
			}
			if err := s.jobChanged(ctx, JobChange{Job: j}); err != nil {
				return err
			}
		}
	}
	return s.settleRun(ctx, runID, jobs, now)
}

// nextStatusOfBlocked decides a blocked job's fate once all its needs are
// over. A need that is missing was refused at intake, so it cannot block forever.
func nextStatusOfBlocked(j *actions_model.RunJob, byID map[string][]*actions_model.RunJob) (actions_model.Status, bool) {
	var failed, cancelled, skipped bool
	for _, need := range j.NeedList() {
		for _, n := range byID[need] {
			switch n.Status {
			case actions_model.StatusSuccess:
			case actions_model.StatusFailure:
				failed = true
			case actions_model.StatusCancelled:
				cancelled = true
			case actions_model.StatusSkipped:
				skipped = true
			default:
				return 0, false
			}
		}
	}
	if !failed && !cancelled && !skipped {
		return actions_model.StatusWaiting, true
	}
	if runsDespiteNeeds(j.IfCondition, failed, cancelled) {
		return actions_model.StatusWaiting, true
	}
	return actions_model.StatusSkipped, true
}

// runsDespiteNeeds reads the status functions of a job's `if:` the way
// GitHub does: without always(), failure() or cancelled() a job implicitly
// requires its needs to succeed. The rest of the expression is the runner's
// to evaluate once the job runs.
func runsDespiteNeeds(cond string, failed, cancelled bool) bool {
	c := strings.ToLower(strings.Join(strings.Fields(cond), ""))
	return strings.Contains(c, "always()") ||
		(failed && strings.Contains(c, "failure()")) ||
		(cancelled && strings.Contains(c, "cancelled()"))
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
func (s *Service) queueJob(ctx context.Context, j *actions_model.RunJob, now int64) error {
	if err := actions_model.EnsureLabelSet(ctx, j, now); err != nil {
		return err
	}
	return s.bumpTasksVersion(ctx, j.OwnerID, j.RepoID)
}
