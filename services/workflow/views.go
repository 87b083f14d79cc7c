package workflow

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// The pages' reads: a run with its jobs, and a job with its steps, its
// attempts and, while it waits, why.

// JobRun is a job with the task and runner that ran its latest try; both
// nil before a runner took it. Runner may be one since removed.
type JobRun struct {
	*actions_model.RunJob
	Task   *actions_model.Task
	Runner *actions_model.Runner
}

// RunDetail is a run with its jobs.
type RunDetail struct {
	Run     *actions_model.Run
	Jobs    []*JobRun // the latest attempt of each job, in the workflow's order
	Earlier []*JobRun // the rows of earlier attempts, newest attempt first
}

// GetRunDetail reads a run of the scope and its jobs.
func (s *Service) GetRunDetail(ctx context.Context, sc identity.Scope, runID int64) (*RunDetail, error) {
	run, err := s.GetRun(ctx, sc, runID)
	if err != nil {
		return nil, err
	}
	all, err := actions_model.GetRunJobsByRunID(ctx, runID)
	if err != nil {
		return nil, err
	}
	latest := actions_model.LatestAttempts(all)
	d := &RunDetail{Run: run}
	for _, j := range latest {
		jr, err := jobRun(ctx, j)
		if err != nil {
			return nil, err
		}
		d.Jobs = append(d.Jobs, jr)
	}
	for _, j := range slices.Backward(all) {
		if slices.Contains(latest, j) {
			continue
		}
		jr, err := jobRun(ctx, j)
		if err != nil {
			return nil, err
		}
		d.Earlier = append(d.Earlier, jr)
	}
	slices.SortStableFunc(d.Earlier, func(a, b *JobRun) int { return cmp.Compare(b.Attempt, a.Attempt) })
	return d, nil
}

func jobRun(ctx context.Context, j *actions_model.RunJob) (*JobRun, error) {
	jr := &JobRun{RunJob: j}
	if j.TaskID == 0 {
		return jr, nil
	}
	var err error
	if jr.Task, err = actions_model.GetTaskByID(ctx, j.TaskID); err != nil {
		return nil, err
	}
	r, has, err := actions_model.GetRunnerByIDEvenDeleted(ctx, jr.Task.RunnerID)
	if err != nil {
		return nil, err
	}
	if has {
		jr.Runner = r
	}
	return jr, nil
}

// StepState is one step of a job as the runner reported it; a step not
// reported is waiting, or skipped once the job is over.
type StepState struct {
	Number              int // from 1
	Name                string
	Status              actions_model.Status
	Started, Stopped    int64
	LogIndex, LogLength int64 // the rows of the job's log the step wrote
	Reported            bool
}

// JobDetail is a job with everything its page shows.
type JobDetail struct {
	*JobRun
	Run      *actions_model.Run
	Steps    []StepState
	Attempts []*actions_model.RunJob // every attempt of this job, the first first
	Needs    []*JobRun               // the latest attempts of the jobs it needs
	Wait     *actions_service.JobWait
}

// GetJobDetail reads a job of run runID in the scope.
func (s *Service) GetJobDetail(ctx context.Context, sc identity.Scope, runID, jobID int64) (*JobDetail, error) {
	j, err := s.GetJob(ctx, sc, jobID)
	if err != nil {
		return nil, err
	}
	if j.RunID != runID {
		return nil, fmt.Errorf("%w: job %d is not a job of run %d", errs.NotFound, jobID, runID)
	}
	jr, err := jobRun(ctx, j)
	if err != nil {
		return nil, err
	}
	d := &JobDetail{JobRun: jr}
	if d.Run, err = actions_model.GetRunByID(ctx, runID); err != nil {
		return nil, err
	}
	all, err := actions_model.GetRunJobsByRunID(ctx, runID)
	if err != nil {
		return nil, err
	}
	for _, o := range all {
		if actions_model.IsSameJob(o, j) {
			d.Attempts = append(d.Attempts, o)
		}
	}
	needs := j.NeedList()
	for _, o := range actions_model.LatestAttempts(all) {
		if slices.Contains(needs, o.JobID) {
			nr, err := jobRun(ctx, o)
			if err != nil {
				return nil, err
			}
			d.Needs = append(d.Needs, nr)
		}
	}
	if d.Steps, err = jobSteps(ctx, j, jr.Task); err != nil {
		return nil, err
	}
	if d.Wait, err = s.actions.DiagnoseJob(ctx, j); err != nil {
		return nil, err
	}
	return d, nil
}

// jobSteps joins the step names of the job's workflow with what the runner
// reported of each.
func jobSteps(ctx context.Context, j *actions_model.RunJob, t *actions_model.Task) ([]StepState, error) {
	byIndex := map[int64]*actions_model.TaskStep{}
	if t != nil {
		rows, err := actions_model.GetTaskSteps(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			byIndex[r.StepIndex] = r
		}
	}
	names := StepNames([]byte(j.WorkflowPayload))
	for i := range byIndex { // a step the runner reported that the workflow does not name
		for int64(len(names)) <= i {
			names = append(names, fmt.Sprintf("Step %d", len(names)+1))
		}
	}
	out := make([]StepState, len(names))
	for i, name := range names {
		st := StepState{Number: i + 1, Name: name, Status: actions_model.StatusWaiting}
		if r := byIndex[int64(i)]; r != nil {
			st.Status, st.Started, st.Stopped, st.LogIndex, st.LogLength, st.Reported = r.Status, r.Started, r.Stopped, r.LogIndex, r.LogLength, true
			if st.Status == actions_model.StatusWaiting && r.Started != 0 {
				st.Status = actions_model.StatusRunning
			}
		} else if j.Status.IsDone() {
			st.Status = actions_model.StatusSkipped
		}
		out[i] = st
	}
	return out, nil
}

// GetJobProgress reads what following a job's log needs: the job with its
// task, and its steps. It is the cheap part of GetJobDetail, for polling.
func (s *Service) GetJobProgress(ctx context.Context, sc identity.Scope, runID, jobID int64) (*JobRun, []StepState, error) {
	j, err := s.GetJob(ctx, sc, jobID)
	if err != nil {
		return nil, nil, err
	}
	if j.RunID != runID {
		return nil, nil, fmt.Errorf("%w: job %d is not a job of run %d", errs.NotFound, jobID, runID)
	}
	jr, err := jobRun(ctx, j)
	if err != nil {
		return nil, nil, err
	}
	steps, err := jobSteps(ctx, j, jr.Task)
	return jr, steps, err
}

// ReadTaskLogRows returns up to limit rows of a task's log from row index from.
func (s *Service) ReadTaskLogRows(ctx context.Context, t *actions_model.Task, from int64, limit int) ([]actions_service.LogRow, error) {
	return s.ReadJobLogRows(ctx, &JobLog{Task: t}, from, limit)
}
