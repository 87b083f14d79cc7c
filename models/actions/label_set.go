package actions

import (
	"context"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
)

// LabelSet is one distinct runs-on set that some job has asked for. Runners
// are matched against this short list, not against the queue. Sets that no
// unfinished job has used for a while are removed (DeleteUnusedLabelSet).
type LabelSet struct {
	ID       int64  `xorm:"pk autoincr"`
	LabelKey string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	Labels   string `xorm:"TEXT NOT NULL"`
	LastUsed int64  `xorm:"NOT NULL DEFAULT 0"` // when a job last became waiting with it
}

func (LabelSet) TableName() string { return "action_label_set" }

// LabelList returns the set's label names.
func (s *LabelSet) LabelList() []string { return decodeStrings(s.Labels) }

// LabelSetTouchEvery is how stale, in seconds, a set's last use may get
// before a job queued on it writes it again: most queued jobs then only
// read the row, and jobs on one busy set do not queue behind each other's
// row lock. The maintenance loop's age must be well above it.
const LabelSetTouchEvery = 60

// EnsureLabelSet records the set of j's runs-on labels as used at now,
// creating it if it is new or was removed. A set used within
// LabelSetTouchEvery is left as it is: far too fresh for any removal. An
// older one is updated first, which write-locks the row until the
// transaction ends, so a removal running at the same time either waits
// and then finds the set freshly used, or has removed it already and the
// insert brings it back.
func EnsureLabelSet(ctx context.Context, j *RunJob, now int64) error {
	var lastUsed []int64
	if err := db.GetEngine(ctx).Table("action_label_set").Where("label_key = ?", j.LabelKey).Cols("last_used").Find(&lastUsed); err != nil {
		return db.Wrap(err)
	}
	if len(lastUsed) == 1 && lastUsed[0] >= now-LabelSetTouchEvery {
		return nil
	}
	if len(lastUsed) == 1 {
		if _, err := db.GetEngine(ctx).Exec("UPDATE action_label_set SET last_used = ? WHERE label_key = ?", now, j.LabelKey); err != nil {
			return db.Wrap(err)
		}
	}
	// When the update found no row (a removal won), or there was none.
	return db.InsertIgnore(ctx, "action_label_set", []string{"label_key", "labels", "last_used"}, j.LabelKey, j.RunsOn, now)
}

// LabelSetIDs returns the ids of every set, in order: what a copy of the
// table compares to know whether it is still current, as sets come and go.
func LabelSetIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := db.GetEngine(ctx).Table("action_label_set").Cols("id").Asc("id").Find(&ids)
	return ids, db.Wrap(err)
}

// FindLabelSets returns every set, in id order.
func FindLabelSets(ctx context.Context) ([]*LabelSet, error) {
	var sets []*LabelSet
	err := db.GetEngine(ctx).Asc("id").Find(&sets)
	return sets, db.Wrap(err)
}

// FindLabelSetsAfter returns the sets with an id above afterID, in id order.
// Ids can commit out of order, so this is not a way to keep a copy current.
func FindLabelSetsAfter(ctx context.Context, afterID int64) ([]*LabelSet, error) {
	var sets []*LabelSet
	err := db.GetEngine(ctx).Where("id > ?", afterID).Asc("id").Find(&sets)
	return sets, db.Wrap(err)
}

// unfinished lists the statuses of jobs that may still need their label set.
func unfinished() []any { return []any{StatusBlocked, StatusWaiting, StatusRunning} }

// FindOwnerLabelKeys returns the distinct label keys of the owner's
// unfinished jobs. It skips from key to key on the index (owner_id, status,
// label_key), one seek per key and status, so its cost follows the number of
// distinct keys (bounded by MAX_LABEL_SETS_PER_OWNER), not the owner's queue:
// a DISTINCT read every row of the index range, 100,000 for a long queue.
func FindOwnerLabelKeys(ctx context.Context, ownerID int64) (map[string]bool, error) {
	var ctes, selects []string
	var args []any
	for i, status := range unfinished() {
		// k<i> walks status's keys in order: the first, then each next one.
		ctes = append(ctes, fmt.Sprintf("k%d (label_key) AS ("+
			"SELECT MIN(label_key) FROM action_run_job WHERE owner_id = ? AND status = ?"+
			" UNION ALL SELECT (SELECT MIN(label_key) FROM action_run_job WHERE owner_id = ? AND status = ? AND label_key > k%d.label_key)"+
			" FROM k%d WHERE k%d.label_key IS NOT NULL)", i, i, i, i))
		selects = append(selects, fmt.Sprintf("SELECT label_key FROM k%d WHERE label_key IS NOT NULL", i))
		args = append(args, ownerID, status, ownerID, status)
	}
	query := "WITH RECURSIVE " + strings.Join(ctes, ", ") + " " + strings.Join(selects, " UNION ALL ")
	var keys []string
	if err := db.GetEngine(ctx).SQL(query, args...).Find(&keys); err != nil {
		return nil, db.Wrap(err)
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, nil
}

// unusedLabelSet is the condition for removing a set: not used since
// cutoff, and no unfinished job has it.
const unusedLabelSet = "last_used < ? AND NOT EXISTS (SELECT 1 FROM action_run_job j" +
	" WHERE j.label_key = action_label_set.label_key AND j.status IN (?, ?, ?))"

// FindUnusedLabelSets returns up to limit sets that may be removed.
func FindUnusedLabelSets(ctx context.Context, cutoff int64, limit int) ([]*LabelSet, error) {
	var sets []*LabelSet
	err := db.GetEngine(ctx).Where(unusedLabelSet, append([]any{cutoff}, unfinished()...)...).Asc("id").Limit(limit).Find(&sets)
	return sets, db.Wrap(err)
}

// DeleteUnusedLabelSet removes the set if it is still unused, and reports
// whether it did: the condition is checked again by the delete itself.
func DeleteUnusedLabelSet(ctx context.Context, id, cutoff int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(append([]any{"DELETE FROM action_label_set WHERE id = ? AND " + unusedLabelSet, id, cutoff}, unfinished()...)...)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}
