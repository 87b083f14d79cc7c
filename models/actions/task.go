package actions

import (
	"context"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Task is one attempt of a job on one runner.
type Task struct {
	ID           int64  `xorm:"pk autoincr"`
	JobID        int64  `xorm:"INDEX NOT NULL"`
	RunID        int64  `xorm:"NOT NULL"`
	Attempt      int64  `xorm:"NOT NULL DEFAULT 1"`
	RunnerID     int64  `xorm:"INDEX NOT NULL"`
	OwnerID      int64  `xorm:"NOT NULL"`
	RepoID       int64  `xorm:"NOT NULL"`
	CommitSHA    string `xorm:"VARCHAR(64)"`
	Status       Status `xorm:"INDEX NOT NULL"`
	TokenHash    string `xorm:"VARCHAR(64) INDEX"` // the per-task runtime token
	TokenExpires int64  `xorm:"NOT NULL DEFAULT 0"`
	LogLength    int64  `xorm:"NOT NULL DEFAULT 0"` // rows stored: the ack index
	LogSize      int64  `xorm:"NOT NULL DEFAULT 0"` // bytes of row content stored
	LogClosed    bool   `xorm:"NOT NULL DEFAULT false"`
	OutputSize   int64  `xorm:"NOT NULL DEFAULT 0"` // bytes of output keys and values stored
	OutputCount  int64  `xorm:"NOT NULL DEFAULT 0"` // output keys stored
	// LegacyLogFilename names the finished log Gitea left in its actions_log
	// storage; empty when the log is in action_log_chunk.
	LegacyLogFilename string `xorm:"VARCHAR(1024) NOT NULL DEFAULT ''"`
	Started           int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped           int64  `xorm:"NOT NULL DEFAULT 0"`
	Created           int64  `xorm:"created"`
	Updated           int64  `xorm:"updated INDEX"`

	// RuntimeToken is set only on a task just created: the one moment the
	// plain token exists before it is handed to the runner.
	RuntimeToken string `xorm:"-"`
}

func (Task) TableName() string { return "action_task" }

// CreateTask stores t.
func CreateTask(ctx context.Context, t *Task) error {
	_, err := db.GetEngine(ctx).Insert(t)
	return db.Wrap(err)
}

// GetTaskByID returns a task.
func GetTaskByID(ctx context.Context, id int64) (*Task, error) {
	t := &Task{}
	has, err := db.GetEngine(ctx).ID(id).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("task %d: %w", id, db.ErrNotExist)
	}
	return t, nil
}

// GetRunningTaskOfRunner returns the runner's unfinished task, if any.
func GetRunningTaskOfRunner(ctx context.Context, runnerID int64) (*Task, bool, error) {
	t := &Task{}
	has, err := db.GetEngine(ctx).Where("runner_id = ? AND status = ?", runnerID, StatusRunning).Desc("id").Get(t)
	return t, has, db.Wrap(err)
}

// GetLastTaskOfRunner returns the newest task the runner took, if any.
func GetLastTaskOfRunner(ctx context.Context, runnerID int64) (*Task, bool, error) {
	t := &Task{}
	has, err := db.GetEngine(ctx).Where("runner_id = ?", runnerID).Desc("id").Get(t)
	return t, has, db.Wrap(err)
}

// FinishTask ends a running task with status; false when it had already ended.
func FinishTask(ctx context.Context, taskID int64, status Status, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_task SET status = ?, stopped = ?, token_expires = ?, updated = ? WHERE id = ? AND status = ?",
		status, now, now, now, taskID, StatusRunning)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// MarkTaskStarted records when the runner said the task started.
func MarkTaskStarted(ctx context.Context, taskID, started int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_task SET started = ? WHERE id = ? AND started = 0", started, taskID)
	return db.Wrap(err)
}
