package rhload

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
)

// runLogs has Concurrency runners each take one job and append LogRows-row
// UpdateLog calls to its log for Duration. It reports rows per second and how
// many database rows the log took.
func runLogs(ctx context.Context, cfg *Config, t *Target, out io.Writer) error {
	c := newClient(newHTTPClient(cfg.Concurrency), t.URL)
	runners, err := register(ctx, c, t.RegToken, cfg.Concurrency, cfg.Concurrency, 8)
	if err != nil {
		return err
	}
	q, err := newQueue(t)
	if err != nil {
		return err
	}
	if err := q.Add(ctx, cfg.Concurrency, inSets(cfg.Concurrency)); err != nil {
		return err
	}
	taskIDs := make([]int64, len(runners))
	for i, r := range runners {
		task, err := fetch(ctx, c, r, NewRecorder())
		if err != nil {
			return err
		}
		if task == nil {
			return fmt.Errorf("runner %d was given no task", i)
		}
		taskIDs[i] = task.Id
	}
	chunksBefore, err := countRows(t, "action_log_chunk")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "log append: %d tasks appending %d-row UpdateLog calls for %s; server: %s\n", len(runners), cfg.LogRows, cfg.Duration, t.Where)
	recs := make([]*Recorder, len(runners))
	stored := make([]int, len(runners))
	errs := make([]error, len(runners))
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for i, r := range runners {
		recs[i] = NewRecorder()
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if errs[i] = appendLog(ctx, c, r, taskIDs[i], stored[i], cfg.LogRows, false, recs[i]); errs[i] != nil {
					return
				}
				stored[i] += cfg.LogRows
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := NewRecorder()
	rows := 0
	for i := range runners {
		if errs[i] != nil {
			return errs[i]
		}
		all.Merge(recs[i])
		rows += stored[i]
	}
	all.Print(out, "runnerhub", elapsed)
	chunksAfter, err := countRows(t, "action_log_chunk")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d log rows in %s: %.0f rows/s; database rows added: %d (one per call, not per line)\n",
		rows, elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds(), chunksAfter-chunksBefore)
	return nil
}

func countRows(t *Target, table string) (int64, error) {
	var n int64
	_, err := db.GetEngine(t.Ctx).SQL("SELECT COUNT(*) FROM " + table).Get(&n)
	return n, err
}
