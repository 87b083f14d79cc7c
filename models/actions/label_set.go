package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// LabelSet is one distinct runs-on set that some job has asked for. Runners
// are matched against this short list, not against the queue.
type LabelSet struct {
	ID       int64  `xorm:"pk autoincr"`
	LabelKey string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	Labels   string `xorm:"TEXT NOT NULL"`
}

func (LabelSet) TableName() string { return "action_label_set" }

// LabelList returns the set's label names.
func (s *LabelSet) LabelList() []string { return decodeStrings(s.Labels) }

// EnsureLabelSet records the set of j's runs-on labels if it is new.
func EnsureLabelSet(ctx context.Context, j *RunJob) error {
	return db.InsertIgnore(ctx, "action_label_set", []string{"label_key", "labels"}, j.LabelKey, j.RunsOn)
}

// CountLabelSets counts the sets. None is ever deleted, so an unchanged
// count means unchanged rows.
func CountLabelSets(ctx context.Context) (int64, error) {
	n, err := db.GetEngine(ctx).Count(new(LabelSet))
	return n, db.Wrap(err)
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
