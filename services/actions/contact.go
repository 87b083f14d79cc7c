package actions

import (
	"context"
	"errors"
	"sync"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// contactBatch gathers the runners whose last contact is due to be written,
// and writes them in one statement at most every flushEvery seconds: a
// thousand polling runners cost a write every few seconds, not a hundred a
// second. A contact is written at once when none was for flushEvery.
type contactBatch struct {
	flushEvery int64 // seconds, on the service's clock

	mu        sync.Mutex
	pending   map[int64]struct{}
	flushedAt int64
	flushing  bool
}

func newContactBatch(flushEvery int64) *contactBatch {
	return &contactBatch{flushEvery: flushEvery, pending: map[int64]struct{}{}}
}

// add notes runner id's contact at now (unix seconds) and, when a write is
// due, writes every contact noted so far with that time.
func (c *contactBatch) add(ctx context.Context, id, now int64) error {
	c.mu.Lock()
	c.pending[id] = struct{}{}
	due := now-c.flushedAt >= c.flushEvery || now < c.flushedAt // or the clock was set back
	if c.flushing || !due {
		c.mu.Unlock()
		return nil
	}
	ids := make([]int64, 0, len(c.pending))
	for id := range c.pending {
		ids = append(ids, id)
	}
	clear(c.pending)
	c.flushing = true
	c.mu.Unlock()

	err := errContactsNotWritten
	defer func() { // also when the write panics
		c.mu.Lock()
		c.flushing, c.flushedAt = false, now
		if err != nil {
			for _, id := range ids {
				c.pending[id] = struct{}{} // the next write tries them again
			}
		}
		c.mu.Unlock()
	}()
	err = actions_model.TouchRunners(ctx, ids, now)
	return err
}

var errContactsNotWritten = errors.New("runner contacts were not written")
