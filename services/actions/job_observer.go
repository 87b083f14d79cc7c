package actions

import (
	"context"
	"errors"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
)

// JobChange is a job's new state. The observer hears of it inside the
// transaction that made the change, so whatever it writes (the webhook
// outbox) commits or rolls back with it, and a change that did not happen
// (a repeated final UpdateTask) is never told.
type JobChange struct {
	Job    *actions_model.RunJob // as it is now: waiting, blocked, running or over
	Task   *actions_model.Task   // the job's task from the claim on; nil before
	Runner *actions_model.Runner // the task's runner; nil before the claim
}

// JobObserver hears of every job state change. It must only use the
// database through ctx: no network or file I/O inside the transaction.
type JobObserver interface {
	JobChanged(ctx context.Context, c JobChange) error
}

// SetJobObserver installs the observer; call it before serving.
func (s *Service) SetJobObserver(o JobObserver) { s.observer = o }

func (s *Service) jobChanged(ctx context.Context, c JobChange) error {
	if s.observer == nil {
		return nil
	}
	return s.observer.JobChanged(ctx, c)
}

// taskJobChanged tells the observer about the job of a task that has just
// ended, loading what the task alone does not say.
func (s *Service) taskJobChanged(ctx context.Context, t *actions_model.Task) error {
	if s.observer == nil {
		return nil
	}
	job, err := actions_model.GetRunJobByID(ctx, t.JobID)
	if err != nil {
		return err
	}
	runner, err := actions_model.GetRunnerByID(ctx, t.RunnerID)
	if errors.Is(err, db.ErrNotExist) {
		runner, err = nil, nil
	}
	if err != nil {
		return err
	}
	return s.observer.JobChanged(ctx, JobChange{Job: job, Task: t, Runner: runner})
}
