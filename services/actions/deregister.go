package actions

import (
	"context"
	"fmt"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// Deregister removes the calling runner. A runner in the middle of a task is
// refused unless force is set, which cancels the task first.
func (s *Service) Deregister(ctx context.Context, r *actions_model.Runner, force bool) error {
	err := db.WithTx(ctx, func(ctx context.Context) error {
		t, running, err := actions_model.GetRunningTaskOfRunner(ctx, r.ID)
		if err != nil {
			return err
		}
		if running {
			if !force {
				return fmt.Errorf("%w: runner is running task %d; finish it or deregister with force", errs.FailedPrecondition, t.ID)
			}
			if _, err := s.endTask(ctx, t, actions_model.StatusCancelled); err != nil { // the runner itself is removed below
				return err
			}
		}
		deleted, err := s.removeRunner(ctx, r, s.now().Unix())
		if err != nil || !deleted {
			return err
		}
		return s.auditRunner(ctx, r, removalAction(ctx, r), "")
	})
	return err
}

// CancelTask ends a running task as cancelled on the server's word; the
// runner learns it from its next UpdateTask answer.
func (s *Service) CancelTask(ctx context.Context, taskID int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		t, err := actions_model.GetTaskByID(ctx, taskID)
		if err != nil {
			return err
		}
		_, err = s.endTask(ctx, t, actions_model.StatusCancelled)
		return err
	})
}
