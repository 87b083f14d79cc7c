package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// TaskStateInput is a runner's report on its task.
type TaskStateInput struct {
	TaskID    int64
	Result    actions_model.Status // StatusRunning while the task is not over
	StartedAt time.Time
	StoppedAt time.Time
	Steps     []StepStateInput
	Outputs   map[string]string
}

// StepStateInput is a runner's report on one step.
type StepStateInput struct {
	Index     int64
	Result    actions_model.Status
	StartedAt time.Time
	StoppedAt time.Time
	LogIndex  int64
	LogLength int64
}

// TaskStateResult is what the runner is told back.
type TaskStateResult struct {
	TaskID int64
	// Result is final once the task is over, also when the server cancelled
	// it: that tells act_runner to stop.
	Result      actions_model.Status
	SentOutputs []string
}

const (
	maxOutputKeyLen = 255
	// maxOutputBytesPerTask caps a job's outputs, keys and values of every
	// call together, at GitHub's 1 MB per job.
	maxOutputBytesPerTask = 1 << 20
	// maxOutputsPerTask caps the keys: a job declares its outputs one by
	// one, and a row per key is not free.
	maxOutputsPerTask = 256
	maxSteps          = 1000
)

// UpdateTask stores a report on the runner's own task. A final result ends
// the task and its job; a repeated final report changes nothing.
func (s *Service) UpdateTask(ctx context.Context, r *actions_model.Runner, in TaskStateInput) (*TaskStateResult, error) {
	if err := checkTaskState(in); err != nil {
		return nil, err
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		t, err := ownTask(ctx, r, in.TaskID)
		if err != nil {
			return err
		}
		if t.Status.IsDone() {
			return nil // a late or repeated report: the stored end stands
		}
		if err := addOutputs(ctx, t, in.Outputs); err != nil {
			return err // nothing of this call is stored
		}
		for _, st := range in.Steps {
			if err := actions_model.SaveTaskStep(ctx, stepRow(t.ID, st)); err != nil {
				return err
			}
		}
		if !in.StartedAt.IsZero() {
			if err := actions_model.MarkTaskStarted(ctx, t.ID, in.StartedAt.Unix()); err != nil {
				return err
			}
		}
		if in.Result == actions_model.StatusRunning {
			return nil
		}
		_, err = s.endTask(ctx, t, in.Result)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.taskState(ctx, in.TaskID)
}

// addOutputs stores the outputs whose keys the task has not stored yet
// (the first value written wins), after counting them against the task's
// limits; past them, it stores none.
func addOutputs(ctx context.Context, t *actions_model.Task, outputs map[string]string) error {
	if len(outputs) == 0 {
		return nil
	}
	stored, err := actions_model.GetTaskOutputKeys(ctx, t.ID)
	if err != nil {
		return err
	}
	fresh := make([]string, 0, len(outputs))
	var size int64
	for k, v := range outputs {
		if !stored[k] {
			fresh = append(fresh, k)
			size += int64(len(k) + len(v))
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	ok, err := actions_model.CountTaskOutputs(ctx, t.ID, size, int64(len(fresh)), maxOutputBytesPerTask, maxOutputsPerTask)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: outputs of task %d: %d more keys of %d bytes would take the job past its limit of %d bytes of keys and values and %d keys (%d bytes in %d keys stored before)",
			errs.InvalidArgument, t.ID, len(fresh), size, maxOutputBytesPerTask, maxOutputsPerTask, t.OutputSize, t.OutputCount)
	}
	slices.Sort(fresh) // rows, and so sent_outputs, in a stable order
	for _, k := range fresh {
		if err := actions_model.AddTaskOutput(ctx, t.ID, k, outputs[k]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) taskState(ctx context.Context, taskID int64) (*TaskStateResult, error) {
	t, err := actions_model.GetTaskByID(ctx, taskID)
	if err != nil {
		return nil, err
	}
	outs, err := actions_model.GetTaskOutputs(ctx, taskID)
	if err != nil {
		return nil, err
	}
	res := &TaskStateResult{TaskID: taskID, Result: t.Status, SentOutputs: make([]string, 0, len(outs))}
	for _, o := range outs {
		res.SentOutputs = append(res.SentOutputs, o.OutputKey)
	}
	return res, nil
}

// endTask ends a running task, its job, and the ephemeral runner that ran it,
// then moves the run on. It reports whether it retired the runner.
func (s *Service) endTask(ctx context.Context, t *actions_model.Task, status actions_model.Status) (bool, error) {
	now := s.now().Unix()
	ok, err := actions_model.FinishTask(ctx, t.ID, status, now)
	if err != nil || !ok {
		return false, err
	}
	moved, err := actions_model.SetJobStatus(ctx, t.JobID, []actions_model.Status{actions_model.StatusRunning}, status, now)
	if err != nil {
		return false, err
	}
	if moved { // rides on FinishTask's compare-and-set: one end per task, told once
		ended := *t
		ended.Status, ended.Stopped = status, now
		if err := s.taskJobChanged(ctx, &ended); err != nil {
			return false, err
		}
	}
	if err := s.advanceRun(ctx, t.RunID); err != nil {
		return false, err
	}
	return s.retireEphemeral(ctx, t.RunnerID, now, fmt.Sprintf("after task %d", t.ID))
}

// retireEphemeral removes the task's runner when it is ephemeral, and
// reports whether it did.
func (s *Service) retireEphemeral(ctx context.Context, runnerID, now int64, why string) (bool, error) {
	r, err := actions_model.GetRunnerByID(ctx, runnerID)
	if errors.Is(err, db.ErrNotExist) {
		return false, nil // already removed
	}
	if err != nil || !r.Ephemeral {
		return false, err
	}
	deleted, err := s.removeRunner(ctx, r, now)
	if err != nil || !deleted {
		return false, err
	}
	return true, s.auditRunner(ctx, r, AuditRunnerRetired, why)
}

// removeRunner deletes the runner and reports whether this call did. Once
// the transaction commits, this process forgets the runner's credentials;
// other processes at their next claim or within RUNNER_AUTH_CACHE_TTL.
func (s *Service) removeRunner(ctx context.Context, r *actions_model.Runner, now int64) (bool, error) {
	deleted, err := actions_model.DeleteRunner(ctx, r.ID, now)
	if err != nil {
		return false, err
	}
	s.forgetRunnerAfterCommit(ctx, r.UUID)
	return deleted, nil
}

// forgetRunnerAfterCommit drops the runner's cached credentials once the
// transaction that removed or disabled it commits, so its next call here
// reads the database.
func (s *Service) forgetRunnerAfterCommit(ctx context.Context, uuid string) {
	db.AfterCommit(ctx, func() { s.runners.drop(uuid) })
}

// ownTask loads the task and checks it belongs to r.
func ownTask(ctx context.Context, r *actions_model.Runner, taskID int64) (*actions_model.Task, error) {
	t, err := actions_model.GetTaskByID(ctx, taskID)
	if err != nil {
		return nil, taskLookupError(taskID, err)
	}
	return t, checkOwner(r, taskID, t.RunnerID)
}

// taskLookupError tells a runner that asked for an unknown task so.
func taskLookupError(taskID int64, err error) error {
	if errors.Is(err, db.ErrNotExist) {
		return fmt.Errorf("%w: task %d", errs.NotFound, taskID)
	}
	return err
}

// checkOwner refuses a runner any change to another runner's task.
func checkOwner(r *actions_model.Runner, taskID, ownerID int64) error {
	if ownerID != r.ID {
		return fmt.Errorf("%w: task %d belongs to another runner", errs.PermissionDenied, taskID)
	}
	return nil
}

func checkTaskState(in TaskStateInput) error {
	if in.TaskID <= 0 {
		return fmt.Errorf("%w: task id is required", errs.InvalidArgument)
	}
	if len(in.Steps) > maxSteps {
		return fmt.Errorf("%w: %d steps, at most %d", errs.InvalidArgument, len(in.Steps), maxSteps)
	}
	for _, st := range in.Steps {
		if st.Index < 0 || st.LogIndex < 0 || st.LogLength < 0 {
			return fmt.Errorf("%w: step %d has a negative index or length", errs.InvalidArgument, st.Index)
		}
	}
	if len(in.Outputs) > maxOutputsPerTask {
		return fmt.Errorf("%w: %d outputs in one call, more than the limit of %d keys per job", errs.InvalidArgument, len(in.Outputs), maxOutputsPerTask)
	}
	var size int
	for k, v := range in.Outputs {
		switch {
		case k == "" || len(k) > maxOutputKeyLen || !isText(k):
			return fmt.Errorf("%w: output key %.40q must be 1 to %d bytes of UTF-8", errs.InvalidArgument, k, maxOutputKeyLen)
		case !isText(v):
			return fmt.Errorf("%w: output %q is not UTF-8 text (or holds a NUL character)", errs.InvalidArgument, k)
		}
		size += len(k) + len(v)
	}
	if size > maxOutputBytesPerTask {
		return fmt.Errorf("%w: outputs of %d bytes in one call, more than the limit of %d bytes of keys and values per job", errs.InvalidArgument, size, maxOutputBytesPerTask)
	}
	return nil
}

func stepRow(taskID int64, st StepStateInput) *actions_model.TaskStep {
	row := &actions_model.TaskStep{
		TaskID:    taskID,
		StepIndex: st.Index,
		Status:    st.Result,
		LogIndex:  st.LogIndex,
		LogLength: st.LogLength,
	}
	if !st.StartedAt.IsZero() {
		row.Started = st.StartedAt.Unix()
	}
	if !st.StoppedAt.IsZero() {
		row.Stopped = st.StoppedAt.Unix()
	}
	return row
}
