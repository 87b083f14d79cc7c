package actions

import (
	"context"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// LogInput is one UpdateLog call: rows to store from row index Index.
type LogInput struct {
	TaskID int64
	Index  int64
	Rows   []actions_model.LogLine
	NoMore bool
}

// appendAttempts bounds retries when two calls for one task race; a runner
// sends one call at a time, so more than one retry is already unusual.
const appendAttempts = 3

// UpdateLog appends rows to the runner's own task log and returns how many
// rows are stored, counting only what is committed. Rows already stored are
// skipped, so a resend after a lost answer is harmless. Each call stores its
// rows as one chunk row (see actions_model.LogChunk), committed together
// with the chunks of concurrent calls (see logBatch).
func (s *Service) UpdateLog(ctx context.Context, r *actions_model.Runner, in LogInput) (int64, error) {
	size, err := s.checkLogInput(in)
	if err != nil {
		return 0, err
	}
	for range appendAttempts {
		t, err := ownTaskLog(ctx, r, in.TaskID)
		if err != nil {
			return 0, err
		}
		stored := t.LogLength
		if in.Index > stored {
			return 0, fmt.Errorf("%w: log index %d is past the %d rows stored; resend from %d", errs.InvalidArgument, in.Index, stored, stored)
		}
		// Rows below stored are there already: a resend, maybe of a call
		// older than the last one stored.
		skip := min(stored-in.Index, int64(len(in.Rows)))
		fresh, freshSize := in.Rows[skip:], size-contentSize(in.Rows[:skip])
		if t.LogClosed {
			if len(fresh) > 0 {
				return 0, fmt.Errorf("%w: log of task %d is closed", errs.FailedPrecondition, t.ID)
			}
			return stored, nil
		}
		if len(fresh) == 0 && !in.NoMore {
			return stored, nil
		}
		if t.LogSize+freshSize > s.opts.MaxLogBytesPerTask {
			return 0, fmt.Errorf("%w: log of task %d would exceed %d bytes", errs.ResourceExhausted, t.ID, s.opts.MaxLogBytesPerTask)
		}
		ok, err := s.logs.append(ctx, &logAppend{taskID: t.ID, stored: stored, size: freshSize, lines: fresh, closeLog: in.NoMore})
		if err != nil {
			return 0, err
		}
		if ok {
			return stored + int64(len(fresh)), nil
		}
	}
	return 0, fmt.Errorf("%w: log of task %d is being written by another call; retry", errs.Unavailable, in.TaskID)
}

// ownTaskLog loads the task's log state and checks the task belongs to r,
// as ownTask does with the whole task.
func ownTaskLog(ctx context.Context, r *actions_model.Runner, taskID int64) (*actions_model.TaskLog, error) {
	t, err := actions_model.GetTaskLog(ctx, taskID)
	if err != nil {
		return nil, taskLookupError(taskID, err)
	}
	return t, checkOwner(r, taskID, t.RunnerID)
}

func (s *Service) checkLogInput(in LogInput) (int64, error) {
	if in.TaskID <= 0 {
		return 0, fmt.Errorf("%w: task id is required", errs.InvalidArgument)
	}
	if in.Index < 0 {
		return 0, fmt.Errorf("%w: log index %d is negative", errs.InvalidArgument, in.Index)
	}
	if len(in.Rows) > s.opts.MaxLogRowsPerRequest {
		return 0, fmt.Errorf("%w: %d rows in one call, at most %d", errs.ResourceExhausted, len(in.Rows), s.opts.MaxLogRowsPerRequest)
	}
	for i, row := range in.Rows {
		if len(row.Content) > s.opts.MaxLogRowBytes {
			return 0, fmt.Errorf("%w: row %d is %d bytes, at most %d", errs.ResourceExhausted, in.Index+int64(i), len(row.Content), s.opts.MaxLogRowBytes)
		}
	}
	return contentSize(in.Rows), nil
}

func contentSize(rows []actions_model.LogLine) int64 {
	var n int64
	for _, r := range rows {
		n += int64(len(r.Content))
	}
	return n
}

// ReadLog returns up to limit rows of a task's log from row index from.
// A task Gitea finished has its log where Gitea left it (legacy_log.go).
func (s *Service) ReadLog(ctx context.Context, taskID, from int64, limit int) ([]actions_model.LogLine, error) {
	if name, err := actions_model.GetTaskLegacyLogFilename(ctx, taskID); err != nil || name != "" {
		if err != nil {
			return nil, err
		}
		return s.readLegacyLog(name, from, limit)
	}
	return actions_model.ReadLogLines(ctx, taskID, from, limit)
}
