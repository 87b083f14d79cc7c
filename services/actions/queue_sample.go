package actions

import (
	"context"
	"log/slog"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// SampleQueue records the queue once for the sampling interval that holds
// now: the jobs waiting, per repository and in all, and the ones picked up
// during the interval before, with their waits. Every process may call it;
// a bucket is written by whichever comes first (the others find it there,
// or their rows are ignored), and samples past the retention are dropped.
// It reports whether it wrote the bucket.
func (s *Service) SampleQueue(ctx context.Context) (bool, error) {
	every := s.opts.QueueSampleInterval
	if every <= 0 {
		return false, nil
	}
	now := s.now()
	bucket := now.Truncate(every)
	done, err := actions_model.HasQueueSample(ctx, bucket.Unix())
	if err != nil || done {
		return false, err
	}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		rows, err := actions_model.SampleQueueRows(ctx, bucket.Unix(), bucket.Add(-every).Unix(), now.Unix())
		if err != nil {
			return err
		}
		for _, r := range rows { // the instance's row comes last: once it is there, the bucket is whole
			if err := actions_model.InsertQueueSample(ctx, r); err != nil {
				return err
			}
		}
		return actions_model.DeleteQueueSamplesBefore(ctx, now.Add(-s.opts.QueueSampleRetention).Unix())
	})
	return err == nil, err
}

// StartQueueSampler samples the queue at start and then every sampling
// interval until the returned stop is called; stop waits for a sample
// under way. ctx must carry the database engine.
func (s *Service) StartQueueSampler(ctx context.Context) (stop func()) {
	if s.opts.QueueSampleInterval <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.opts.QueueSampleInterval)
		defer tick.Stop()
		for {
			if _, err := s.SampleQueue(ctx); err != nil && ctx.Err() == nil {
				slog.WarnContext(ctx, "queue sample failed; trying again next interval", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// QueuePoint is the scope's queue at one sampled moment.
type QueuePoint struct {
	At          time.Time
	Waiting     int64         // jobs waiting
	Picked      int64         // jobs picked up in the interval before
	AvgWait     time.Duration // their average wait
	LongestWait time.Duration // the longest wait seen: of a job picked up, or of one still waiting
}

// QueueHistory returns the scope's sampled queue over the last span.
func (s *Service) QueueHistory(ctx context.Context, sc identity.Scope, span time.Duration) ([]QueuePoint, error) {
	rows, err := actions_model.FindQueueSeries(ctx, sc.OwnerID(), sc.RepoID(), s.now().Add(-span).Unix())
	if err != nil {
		return nil, err
	}
	out := make([]QueuePoint, len(rows))
	for i, r := range rows {
		p := QueuePoint{At: time.Unix(r.Bucket, 0).UTC(), Waiting: r.Waiting, Picked: r.Picked,
			LongestWait: time.Duration(max(r.WaitMax, r.OldestWait)) * time.Second}
		if r.Picked > 0 {
			p.AvgWait = time.Duration(r.WaitSum/r.Picked) * time.Second
		}
		out[i] = p
	}
	return out, nil
}

// QueueSampleInterval and QueueSampleRetention are the sampler's settings,
// for pages that describe their chart.
func (s *Service) QueueSampleInterval() time.Duration  { return s.opts.QueueSampleInterval }
func (s *Service) QueueSampleRetention() time.Duration { return s.opts.QueueSampleRetention }
