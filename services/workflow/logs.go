package workflow

import (
	"context"
	"fmt"
	"io"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// JobLog is a job whose log can be read: the job, its run and the task
// that wrote the log.
type JobLog struct {
	Job  *actions_model.RunJob
	Run  *actions_model.Run
	Task *actions_model.Task
}

// GetJobLog finds the log of a job of the scope. A job no runner has taken
// yet has none: NotFound, as Gitea answers.
func (s *Service) GetJobLog(ctx context.Context, sc identity.Scope, jobID int64) (*JobLog, error) {
	job, err := s.GetJob(ctx, sc, jobID)
	if err != nil {
		return nil, err
	}
	if job.TaskID == 0 {
		return nil, fmt.Errorf("%w: job %d has not started, so it has no log yet", errs.NotFound, jobID)
	}
	run, err := actions_model.GetRunByID(ctx, job.RunID)
	if err != nil {
		return nil, err
	}
	task, err := actions_model.GetTaskByID(ctx, job.TaskID)
	if err != nil {
		return nil, err
	}
	return &JobLog{Job: job, Run: run, Task: task}, nil
}

// FileName is the name Gitea gives a job's log download:
// <workflow file without extension>-<job name>-<task id>.log.
func (l *JobLog) FileName() string {
	wf := l.Run.WorkflowID
	if i := strings.Index(wf, "."); i > 0 {
		wf = wf[:i]
	}
	return fmt.Sprintf("%s-%s-%d.log", wf, l.Job.Name, l.Task.ID)
}

// WriteJobLogText streams the log as text (see actions_service.WriteLogText).
func (s *Service) WriteJobLogText(ctx context.Context, l *JobLog, w io.Writer, flush func() error) error {
	return s.actions.WriteLogText(ctx, l.Task.ID, w, flush)
}

// ReadJobLogRows returns up to limit rows of the log from row index from.
func (s *Service) ReadJobLogRows(ctx context.Context, l *JobLog, from int64, limit int) ([]actions_service.LogRow, error) {
	if from < 0 || limit <= 0 {
		return nil, fmt.Errorf("%w: a log is read from row 0 on, at least one row at a time", errs.InvalidArgument)
	}
	return s.actions.ReadLogRows(ctx, l.Task.ID, from, limit)
}
