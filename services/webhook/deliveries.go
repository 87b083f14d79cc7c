package webhook

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
)

// ListDeliveries lists a webhook's deliveries, newest first, with their
// requests and the receiver's answers, and counts them all.
func (s *Service) ListDeliveries(ctx context.Context, scope identity.Scope, hookID int64, page, pageSize int) ([]*webhook_model.HookTask, int64, error) {
	if _, err := webhook_model.GetWebhookInScope(ctx, scope.OwnerID(), scope.RepoID(), hookID); err != nil {
		return nil, 0, err
	}
	return webhook_model.FindHookTasks(ctx, hookID, page, pageSize)
}

// GetDelivery returns one delivery of a webhook of scope.
func (s *Service) GetDelivery(ctx context.Context, scope identity.Scope, hookID, id int64) (*webhook_model.HookTask, error) {
	if _, err := webhook_model.GetWebhookInScope(ctx, scope.OwnerID(), scope.RepoID(), hookID); err != nil {
		return nil, err
	}
	t, err := webhook_model.GetHookTaskByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.HookID != hookID {
		return nil, fmt.Errorf("delivery %d: %w", id, db.ErrNotExist)
	}
	return t, nil
}

// Redeliver queues a delivery again as a new attempt series with the same
// payload and delivery id (X-GitHub-Delivery), marked as a redelivery, as
// GitHub does. The original keeps its history.
func (s *Service) Redeliver(ctx context.Context, scope identity.Scope, hookID, id int64) (*webhook_model.HookTask, error) {
	var again *webhook_model.HookTask
	err := db.WithTx(ctx, func(ctx context.Context) error {
		orig, err := s.GetDelivery(ctx, scope, hookID, id)
		if err != nil {
			return err
		}
		again = &webhook_model.HookTask{
			HookID: orig.HookID, JobID: orig.JobID, DeliveryUUID: orig.DeliveryUUID,
			Event: orig.Event, Action: orig.Action, Payload: orig.Payload, IsRedelivery: true,
			Status: webhook_model.HookTaskPending, NextAttempt: s.now().UnixMilli(),
		}
		if err := webhook_model.CreateHookTask(ctx, again); err != nil {
			return err
		}
		db.AfterCommit(ctx, func() { s.sched.touch([]int64{hookID}); s.signal() })
		return nil
	})
	return again, err
}
