package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// TaskOutput is one job output; the first value written for a key wins.
type TaskOutput struct {
	ID          int64  `xorm:"pk autoincr"`
	TaskID      int64  `xorm:"UNIQUE(task_key) NOT NULL"`
	OutputKey   string `xorm:"VARCHAR(255) UNIQUE(task_key) NOT NULL"`
	OutputValue string `xorm:"MEDIUMTEXT"`
}

func (TaskOutput) TableName() string { return "action_task_output" }

// AddTaskOutput stores key unless it is already stored.
func AddTaskOutput(ctx context.Context, taskID int64, key, value string) error {
	return db.InsertIgnore(ctx, "action_task_output", []string{"task_id", "output_key", "output_value"}, taskID, key, value)
}

// CountTaskOutputs adds size bytes and count keys to what the task's
// outputs hold, unless that would take them past maxSize bytes or maxCount
// keys; then it reports false and changes nothing. One conditional update,
// so calls that race cannot pass the limits together.
func CountTaskOutputs(ctx context.Context, taskID, size, count, maxSize, maxCount int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_task SET output_size = output_size + ?, output_count = output_count + ?"+
			" WHERE id = ? AND output_size + ? <= ? AND output_count + ? <= ?",
		size, count, taskID, size, maxSize, count, maxCount)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// GetTaskOutputKeys returns the keys a task has stored.
func GetTaskOutputKeys(ctx context.Context, taskID int64) (map[string]bool, error) {
	var keys []string
	err := db.GetEngine(ctx).Table("action_task_output").Where("task_id = ?", taskID).Cols("output_key").Find(&keys)
	if err != nil {
		return nil, db.Wrap(err)
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, nil
}

// GetTaskOutputs returns a task's outputs.
func GetTaskOutputs(ctx context.Context, taskID int64) ([]*TaskOutput, error) {
	var outs []*TaskOutput
	err := db.GetEngine(ctx).Where("task_id = ?", taskID).Asc("id").Find(&outs)
	return outs, db.Wrap(err)
}
