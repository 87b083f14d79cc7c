package webhook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
)

// leaseMargin is how long past the delivery timeout a claimed delivery
// stays with its worker before another process may take it over.
const leaseMargin = 30 * time.Second

// Start runs the delivery workers until Stop. ctx must carry the database
// engine. Deliveries left pending by an earlier run or by other processes
// are picked up at once. With [webhook] DELIVERY_WORKERS = 0 nothing starts.
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil || s.opts.DeliveryWorkers == 0 {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	s.stop, s.stopped = cancel, make(chan struct{})
	go func() {
		defer close(s.stopped)
		s.loop(ctx)
	}()
}

// Stop stops taking deliveries and waits for those under way to finish.
func (s *Service) Stop() {
	s.mu.Lock()
	stop, stopped := s.stop, s.stopped
	s.stop = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
		<-stopped
	}
}

// loop looks for due deliveries whenever woken (a commit in this process, a
// delivery finished) or every PollInterval (other processes, retries), and
// runs up to DeliveryWorkers of them at once.
func (s *Service) loop(ctx context.Context) {
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	slots := make(chan struct{}, s.opts.DeliveryWorkers)
	ticker := time.NewTicker(s.opts.PollInterval)
	defer ticker.Stop()
	for {
		s.dispatch(ctx, slots, &inFlight)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-ticker.C:
		}
	}
}

// dispatch claims as many due deliveries as there are free workers,
// shared fairly between webhooks and owners (see scheduler).
func (s *Service) dispatch(ctx context.Context, slots chan struct{}, inFlight *sync.WaitGroup) {
	free := cap(slots) - len(slots)
	if free == 0 {
		return
	}
	due, owners, err := s.findDue(ctx, free)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			slog.Warn("webhook: find due deliveries", "err", err)
		}
		return
	}
	for _, t := range due {
		lease := s.now().Add(s.client.Timeout + leaseMargin).UnixMilli()
		ok, err := webhook_model.ClaimHookTask(ctx, t, lease)
		if err != nil {
			slog.Warn("webhook: claim delivery", "id", t.ID, "err", err)
			return
		}
		if !ok {
			continue // another worker or process has it
		}
		owner := owners[t.HookID]
		s.sched.start(t.HookID, owner)
		slots <- struct{}{}
		inFlight.Add(1)
		go func() {
			defer inFlight.Done()
			defer func() { s.sched.done(t.HookID, owner); <-slots; s.signal() }() // the job's next event may be due now
			// Deliveries under way finish even when the server stops: the
			// database context outlives the loop's cancellation.
			s.deliver(context.WithoutCancel(ctx), t, lease)
		}()
	}
}

// findDue reads up to free due deliveries in the scheduler's fair order,
// and the owner of each one's webhook.
func (s *Service) findDue(ctx context.Context, free int) ([]*webhook_model.HookTask, map[int64]int64, error) {
	ids, err := webhook_model.FindHooksWithPending(ctx, s.sched.cursor(), hooksPerPass)
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	hooks, err := webhook_model.FindHookOwners(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	owners := make(map[int64]int64, len(hooks))
	for _, h := range hooks {
		owners[h.ID] = h.OwnerID
	}
	now := s.now()
	plan := s.sched.plan(hooks, now)
	if len(plan) == 0 {
		return nil, nil, nil
	}
	due, err := webhook_model.FindDueHookTasksOf(ctx, now.UnixMilli(), plan)
	if err != nil {
		return nil, nil, err
	}
	return s.sched.pick(plan, owners, due, free, now), owners, nil
}

// deliver makes one attempt of a claimed delivery and records it.
func (s *Service) deliver(ctx context.Context, t *webhook_model.HookTask, lease int64) {
	hook, err := webhook_model.GetWebhookByID(ctx, t.HookID)
	var a attempt
	switch {
	case errors.Is(err, db.ErrNotExist):
		return // deleted with its deliveries meanwhile
	case err != nil:
		slog.Warn("webhook: load webhook", "id", t.HookID, "err", err)
		a = attempt{err: err}
	case !hook.IsActive:
		a = attempt{err: errors.New("webhook is inactive"), refused: true}
	default:
		a = s.send(ctx, hook, t)
	}
	s.record(t, a)
	ok, err := webhook_model.RecordHookTaskAttempt(ctx, t, lease)
	switch {
	case err != nil:
		slog.Warn("webhook: record delivery", "id", t.ID, "err", err)
	case !ok:
		slog.Warn("webhook: delivery lease expired before its outcome was recorded", "id", t.ID)
	}
}
