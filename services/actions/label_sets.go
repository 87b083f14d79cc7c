package actions

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// labelSetCache mirrors the short table of distinct runs-on sets, so that
// matching a runner's labels reads no rows on most claims.
type labelSetCache struct {
	mu       sync.RWMutex
	loadedAt time.Time // when the last load began
	ids      []int64   // the ids of sets, in order: what the copy is of
	sets     []labelSet

	loading sync.Mutex // one load at a time
}

type labelSet struct {
	key    string
	labels []string
}

// matching returns the keys of the label sets that a runner with these label
// names can serve: those whose every label it has. A job's label set is
// stored in the transaction that bumps tasks_version, so a load that began
// after the version was read (notAfter) knows every set that version counts.
// A load reads the sets' ids and the rows only when the ids changed: ids
// are no cursor, as inserts may commit out of id order and the maintenance
// loop removes sets no job uses, so neither the highest id nor the count
// tells whether the copy is current.
func (c *labelSetCache) matching(ctx context.Context, names []string, notAfter time.Time) ([]string, error) {
	c.mu.RLock()
	fresh := !c.loadedAt.Before(notAfter)
	c.mu.RUnlock()
	if !fresh {
		if err := c.load(ctx, notAfter); err != nil {
			return nil, err
		}
	}
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var keys []string
	for _, set := range c.sets {
		if containsAll(have, set.labels) {
			keys = append(keys, set.key)
		}
	}
	return keys, nil
}

func (c *labelSetCache) load(ctx context.Context, notAfter time.Time) error {
	c.loading.Lock()
	defer c.loading.Unlock()
	c.mu.RLock()
	fresh := !c.loadedAt.Before(notAfter) // loaded while we waited
	c.mu.RUnlock()
	if fresh {
		return nil
	}
	start := time.Now()
	ids, err := actions_model.LabelSetIDs(ctx)
	if err != nil {
		return fmt.Errorf("list label sets: %w", err)
	}
	c.mu.RLock()
	same := slices.Equal(ids, c.ids)
	c.mu.RUnlock()
	if same {
		c.mu.Lock()
		c.loadedAt = start
		c.mu.Unlock()
		return nil
	}
	rows, err := actions_model.FindLabelSets(ctx)
	if err != nil {
		return fmt.Errorf("load label sets: %w", err)
	}
	sets := make([]labelSet, len(rows))
	ids = make([]int64, len(rows)) // as read with the rows
	for i, s := range rows {
		sets[i] = labelSet{key: s.LabelKey, labels: s.LabelList()}
		ids[i] = s.ID
	}
	c.mu.Lock()
	c.ids, c.sets, c.loadedAt = ids, sets, start
	c.mu.Unlock()
	return nil
}

func containsAll(have map[string]bool, want []string) bool {
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}
