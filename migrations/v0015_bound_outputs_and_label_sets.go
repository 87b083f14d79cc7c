package migrations

import (
	"fmt"

	"xorm.io/xorm"
)

// v0015ActionTask counts what a task's outputs hold, so that the cap on
// them is one compare-and-set update however many calls race.
type v0015ActionTask struct {
	OutputSize  int64 `xorm:"NOT NULL DEFAULT 0"` // bytes of keys and values stored
	OutputCount int64 `xorm:"NOT NULL DEFAULT 0"` // keys stored
}

func (v0015ActionTask) TableName() string { return "action_task" }

// v0015ActionLabelSet records when a job last used a label set: the
// maintenance loop removes sets nothing uses, and a job queued while it
// looks moves this first, which stops the removal.
type v0015ActionLabelSet struct {
	LastUsed int64 `xorm:"NOT NULL DEFAULT 0"`
}

func (v0015ActionLabelSet) TableName() string { return "action_label_set" }

// v0015BoundOutputsAndLabelSets adds the counters above, fills the output
// counters of tasks still running from what they stored, and indexes an
// owner's unfinished jobs by label set, which the cap on an owner's label
// sets counts at each run's intake.
func v0015BoundOutputsAndLabelSets(x *xorm.Engine) error {
	if err := addColumns(x, new(v0015ActionTask), new(v0015ActionLabelSet)); err != nil {
		return err
	}
	size := func(col string) string { return byteLength(x.DriverName(), col) }
	const running = 6
	if _, err := x.Exec("UPDATE action_task SET"+
		" output_size = (SELECT COALESCE(SUM("+size("o.output_key")+" + "+size("COALESCE(o.output_value, '')")+"), 0) FROM action_task_output o WHERE o.task_id = action_task.id),"+
		" output_count = (SELECT COUNT(*) FROM action_task_output o WHERE o.task_id = action_task.id)"+
		" WHERE status = ?", running); err != nil {
		return fmt.Errorf("count the outputs of running tasks: %w", err)
	}
	if _, err := x.Exec("CREATE INDEX idx_action_run_job_owner_sets ON action_run_job (owner_id, status, label_key)"); err != nil {
		return fmt.Errorf("create the owner label set index: %w", err)
	}
	return nil
}

// byteLength is the SQL for the length in bytes of a text column.
func byteLength(driver, col string) string {
	switch driver {
	case "postgres":
		return "OCTET_LENGTH(" + col + ")"
	case "mysql":
		return "LENGTH(" + col + ")"
	default: // SQLite counts characters of text, bytes of a blob
		return "LENGTH(CAST(" + col + " AS BLOB))"
	}
}
