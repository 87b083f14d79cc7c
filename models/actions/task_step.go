package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// TaskStep is the state of one step as the runner reported it.
type TaskStep struct {
	ID        int64  `xorm:"pk autoincr"`
	TaskID    int64  `xorm:"UNIQUE(task_step) NOT NULL"`
	StepIndex int64  `xorm:"UNIQUE(task_step) NOT NULL"`
	Name      string `xorm:"VARCHAR(255)"`
	Status    Status `xorm:"NOT NULL"`
	LogIndex  int64  `xorm:"NOT NULL DEFAULT 0"`
	LogLength int64  `xorm:"NOT NULL DEFAULT 0"`
	Started   int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped   int64  `xorm:"NOT NULL DEFAULT 0"`
}

func (TaskStep) TableName() string { return "action_task_step" }

// GetTaskSteps returns a task's steps in order.
func GetTaskSteps(ctx context.Context, taskID int64) ([]*TaskStep, error) {
	var steps []*TaskStep
	err := db.GetEngine(ctx).Where("task_id = ?", taskID).Asc("step_index").Find(&steps)
	return steps, db.Wrap(err)
}

// SaveTaskStep inserts the step or overwrites the stored one with the same index.
func SaveTaskStep(ctx context.Context, s *TaskStep) error {
	if err := db.InsertIgnore(ctx, "action_task_step", []string{"task_id", "step_index", "name", "status"},
		s.TaskID, s.StepIndex, s.Name, s.Status); err != nil {
		return err
	}
	_, err := db.GetEngine(ctx).Where("task_id = ? AND step_index = ?", s.TaskID, s.StepIndex).
		Cols("status", "log_index", "log_length", "started", "stopped").Update(s)
	return db.Wrap(err)
}
