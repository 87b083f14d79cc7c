package actions

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
)

// logBatch commits the log appends of concurrent UpdateLog calls together,
// in one transaction: a database that syncs every commit to disk (SQLite in
// FULL mode) then pays one sync for many appends instead of one each. A
// call is answered only once the transaction holding its rows committed.
// A caller that finds a writer free writes everything queued; the others
// wait for it. SQLite writes one transaction at a time, so one writer; a
// server database runs several, each with the appends queued meanwhile.
type logBatch struct {
	mu      sync.Mutex
	written sync.Cond
	queue   []*logAppend
	writing int
}

// logAppend is one call's rows and, once written, its outcome.
type logAppend struct {
	taskID, stored, size int64
	lines                []actions_model.LogLine
	closeLog             bool

	queued bool // waits for a writer to take it
	done   bool
	ok     bool // false: another call moved the log first
	err    error
}

func newLogBatch() *logBatch {
	b := &logBatch{}
	b.written.L = &b.mu
	return b
}

// logWriters is how many batches may be written at once on ctx's database.
func logWriters(ctx context.Context) int {
	if db.Engine(ctx).DriverName() == "sqlite3" {
		return 1
	}
	return 8
}

// append stores a's rows, together with whatever other calls queued meanwhile.
func (b *logBatch) append(ctx context.Context, a *logAppend) (bool, error) {
	writers := logWriters(ctx)
	b.mu.Lock()
	a.queued = true
	b.queue = append(b.queue, a)
	for !a.done && (!a.queued || b.writing >= writers) {
		b.written.Wait()
	}
	if a.done {
		b.mu.Unlock()
		return a.ok, a.err
	}
	batch := b.queue
	b.queue = nil
	b.writing++
	for _, x := range batch {
		x.queued = false
	}
	b.mu.Unlock()
	written := false
	defer func() { // also when the write panics: the waiting calls must not hang
		b.mu.Lock()
		for _, x := range batch {
			if !written {
				x.ok, x.err = false, errLogNotWritten
			}
			x.done = true
		}
		b.writing--
		b.written.Broadcast()
		b.mu.Unlock()
	}()

	// The write serves other callers too: one caller giving up must not undo it.
	writeLogBatch(context.WithoutCancel(ctx), batch)
	written = true
	return a.ok, a.err
}

// errLogNotWritten answers the calls of a batch whose write broke off.
var errLogNotWritten = errors.New("log rows were not written")

// writeLogBatch appends every entry in one transaction, in task order so
// that two processes' batches lock the same tasks in the same order. When
// the transaction fails, each entry is tried alone, so that one bad entry
// fails only its own call.
func writeLogBatch(ctx context.Context, batch []*logAppend) {
	slices.SortFunc(batch, func(x, y *logAppend) int {
		return cmp.Or(cmp.Compare(x.taskID, y.taskID), cmp.Compare(x.stored, y.stored))
	})
	err := db.WithTx(ctx, func(ctx context.Context) error {
		for _, a := range batch {
			ok, err := actions_model.AppendLogChunk(ctx, a.taskID, a.stored, a.lines, a.size, a.closeLog)
			if err != nil {
				return err
			}
			a.ok = ok
		}
		return nil
	})
	if err == nil {
		return
	}
	if len(batch) == 1 {
		batch[0].ok, batch[0].err = false, err
		return
	}
	for _, a := range batch {
		a.err = db.WithTx(ctx, func(ctx context.Context) error {
			var err error
			a.ok, err = actions_model.AppendLogChunk(ctx, a.taskID, a.stored, a.lines, a.size, a.closeLog)
			return err
		})
	}
}
