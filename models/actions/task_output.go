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

// GetTaskOutputs returns a task's outputs.
func GetTaskOutputs(ctx context.Context, taskID int64) ([]*TaskOutput, error) {
	var outs []*TaskOutput
	err := db.GetEngine(ctx).Where("task_id = ?", taskID).Asc("id").Find(&outs)
	return outs, db.Wrap(err)
}
