package migrations

import (
	"fmt"

	"xorm.io/xorm"
)

// The tables as version 1 created them. Frozen: later changes are new steps.

type v0001User struct {
	ID        int64  `xorm:"pk autoincr"`
	LowerName string `xorm:"VARCHAR(255) UNIQUE NOT NULL"`
	Name      string `xorm:"VARCHAR(255) NOT NULL"`
	IsOrg     bool   `xorm:"NOT NULL DEFAULT false"`
	Created   int64  `xorm:"created"`
}

func (v0001User) TableName() string { return "user" }

type v0001Repository struct {
	ID        int64  `xorm:"pk autoincr"`
	OwnerID   int64  `xorm:"UNIQUE(owner_name) NOT NULL"`
	LowerName string `xorm:"VARCHAR(255) UNIQUE(owner_name) NOT NULL"`
	Name      string `xorm:"VARCHAR(255) NOT NULL"`
	Created   int64  `xorm:"created"`
}

func (v0001Repository) TableName() string { return "repository" }

type v0001ActionRunner struct {
	ID                  int64  `xorm:"pk autoincr"`
	UUID                string `xorm:"VARCHAR(36) UNIQUE NOT NULL"`
	Name                string `xorm:"VARCHAR(255) NOT NULL"`
	Version             string `xorm:"VARCHAR(64)"`
	OwnerID             int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID              int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	TokenHash           string `xorm:"VARCHAR(64) NOT NULL"`
	RegistrationTokenID int64  `xorm:"NOT NULL DEFAULT 0"`
	Labels              string `xorm:"TEXT"`
	Disabled            bool   `xorm:"NOT NULL DEFAULT false"`
	TaskCount           int64  `xorm:"NOT NULL DEFAULT 0"`
	LastOnline          int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	LastActive          int64  `xorm:"NOT NULL DEFAULT 0"`
	Created             int64  `xorm:"created"`
	Updated             int64  `xorm:"updated"`
	Deleted             int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
}

func (v0001ActionRunner) TableName() string { return "action_runner" }

type v0001ActionRunnerToken struct {
	ID          int64  `xorm:"pk autoincr"`
	Name        string `xorm:"VARCHAR(255)"`
	Description string `xorm:"TEXT"`
	TokenHash   string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	TokenCipher string `xorm:"TEXT"`
	OwnerID     int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID      int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	IsDefault   bool   `xorm:"NOT NULL DEFAULT false"`
	Disabled    bool   `xorm:"NOT NULL DEFAULT false"`
	ExpiresUnix int64  `xorm:"NOT NULL DEFAULT 0"`
	MaxUses     int64  `xorm:"NOT NULL DEFAULT 0"`
	Uses        int64  `xorm:"NOT NULL DEFAULT 0"`
	CreatedBy   int64  `xorm:"NOT NULL DEFAULT 0"`
	Created     int64  `xorm:"created"`
	Updated     int64  `xorm:"updated"`
	Deleted     int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
}

func (v0001ActionRunnerToken) TableName() string { return "action_runner_token" }

type v0001ActionRun struct {
	ID            int64  `xorm:"pk autoincr"`
	OwnerID       int64  `xorm:"INDEX NOT NULL"`
	RepoID        int64  `xorm:"INDEX UNIQUE(repo_number) NOT NULL"`
	Number        int64  `xorm:"UNIQUE(repo_number) NOT NULL"`
	Title         string `xorm:"VARCHAR(255)"`
	WorkflowID    string `xorm:"VARCHAR(255)"`
	Ref           string `xorm:"VARCHAR(255)"`
	CommitSHA     string `xorm:"VARCHAR(64)"`
	Event         string `xorm:"VARCHAR(64)"`
	EventPayload  string `xorm:"LONGTEXT"`
	TriggerUserID int64  `xorm:"NOT NULL DEFAULT 0"`
	Status        int    `xorm:"INDEX NOT NULL"`
	Attempt       int64  `xorm:"NOT NULL DEFAULT 1"`
	Started       int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped       int64  `xorm:"NOT NULL DEFAULT 0"`
	Created       int64  `xorm:"created"`
	Updated       int64  `xorm:"updated"`
}

func (v0001ActionRun) TableName() string { return "action_run" }

type v0001ActionRunJob struct {
	ID              int64  `xorm:"pk autoincr"`
	RunID           int64  `xorm:"INDEX NOT NULL"`
	OwnerID         int64  `xorm:"INDEX NOT NULL"`
	RepoID          int64  `xorm:"INDEX NOT NULL"`
	Name            string `xorm:"VARCHAR(255)"`
	JobID           string `xorm:"VARCHAR(255)"`
	Attempt         int64  `xorm:"NOT NULL DEFAULT 1"`
	WorkflowPayload string `xorm:"LONGTEXT"`
	Needs           string `xorm:"TEXT"`
	RunsOn          string `xorm:"TEXT"`
	LabelKey        string `xorm:"VARCHAR(64) NOT NULL"`
	Status          int    `xorm:"NOT NULL"`
	TaskID          int64  `xorm:"NOT NULL DEFAULT 0"`
	Version         int64  `xorm:"NOT NULL DEFAULT 0"`
	Started         int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped         int64  `xorm:"NOT NULL DEFAULT 0"`
	Created         int64  `xorm:"created"`
	Updated         int64  `xorm:"updated"`
}

func (v0001ActionRunJob) TableName() string { return "action_run_job" }

type v0001ActionTask struct {
	ID           int64  `xorm:"pk autoincr"`
	JobID        int64  `xorm:"INDEX NOT NULL"`
	RunID        int64  `xorm:"NOT NULL"`
	Attempt      int64  `xorm:"NOT NULL DEFAULT 1"`
	RunnerID     int64  `xorm:"INDEX NOT NULL"`
	OwnerID      int64  `xorm:"NOT NULL"`
	RepoID       int64  `xorm:"NOT NULL"`
	CommitSHA    string `xorm:"VARCHAR(64)"`
	Status       int    `xorm:"INDEX NOT NULL"`
	TokenHash    string `xorm:"VARCHAR(64) INDEX"`
	TokenExpires int64  `xorm:"NOT NULL DEFAULT 0"`
	LogLength    int64  `xorm:"NOT NULL DEFAULT 0"`
	LogSize      int64  `xorm:"NOT NULL DEFAULT 0"`
	LogClosed    bool   `xorm:"NOT NULL DEFAULT false"`
	Started      int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped      int64  `xorm:"NOT NULL DEFAULT 0"`
	Created      int64  `xorm:"created"`
	Updated      int64  `xorm:"updated INDEX"`
}

func (v0001ActionTask) TableName() string { return "action_task" }

type v0001ActionTaskStep struct {
	ID        int64  `xorm:"pk autoincr"`
	TaskID    int64  `xorm:"UNIQUE(task_step) NOT NULL"`
	StepIndex int64  `xorm:"UNIQUE(task_step) NOT NULL"`
	Name      string `xorm:"VARCHAR(255)"`
	Status    int    `xorm:"NOT NULL"`
	LogIndex  int64  `xorm:"NOT NULL DEFAULT 0"`
	LogLength int64  `xorm:"NOT NULL DEFAULT 0"`
	Started   int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped   int64  `xorm:"NOT NULL DEFAULT 0"`
}

func (v0001ActionTaskStep) TableName() string { return "action_task_step" }

type v0001ActionTaskOutput struct {
	ID          int64  `xorm:"pk autoincr"`
	TaskID      int64  `xorm:"UNIQUE(task_key) NOT NULL"`
	OutputKey   string `xorm:"VARCHAR(255) UNIQUE(task_key) NOT NULL"`
	OutputValue string `xorm:"MEDIUMTEXT"`
}

func (v0001ActionTaskOutput) TableName() string { return "action_task_output" }

type v0001ActionLogChunk struct {
	ID         int64  `xorm:"pk autoincr"`
	TaskID     int64  `xorm:"UNIQUE(task_first) NOT NULL"`
	FirstIndex int64  `xorm:"UNIQUE(task_first) NOT NULL"`
	RowCount   int64  `xorm:"NOT NULL"`
	Data       []byte `xorm:"LONGBLOB"`
}

func (v0001ActionLogChunk) TableName() string { return "action_log_chunk" }

type v0001ActionTasksVersion struct {
	ID      int64 `xorm:"pk autoincr"`
	OwnerID int64 `xorm:"UNIQUE(owner_repo) NOT NULL"`
	RepoID  int64 `xorm:"UNIQUE(owner_repo) NOT NULL"`
	Version int64 `xorm:"NOT NULL DEFAULT 0"`
	Updated int64 `xorm:"updated"`
}

func (v0001ActionTasksVersion) TableName() string { return "action_tasks_version" }

type v0001ActionLabelSet struct {
	ID       int64  `xorm:"pk autoincr"`
	LabelKey string `xorm:"VARCHAR(64) UNIQUE NOT NULL"`
	Labels   string `xorm:"TEXT NOT NULL"`
}

func (v0001ActionLabelSet) TableName() string { return "action_label_set" }

// v0001CreateAccounts is the standalone accounts' part of version 1.
func v0001CreateAccounts(x *xorm.Engine) error {
	return x.Sync(new(v0001User), new(v0001Repository))
}

func v0001CreateTables(x *xorm.Engine) error {
	if err := x.Sync(
		new(v0001ActionRunner), new(v0001ActionRunnerToken),
		new(v0001ActionRun), new(v0001ActionRunJob),
		new(v0001ActionTask), new(v0001ActionTaskStep), new(v0001ActionTaskOutput),
		new(v0001ActionLogChunk), new(v0001ActionTasksVersion), new(v0001ActionLabelSet),
	); err != nil {
		return err
	}
	// The claim query walks waiting jobs of one label set in id order; this
	// index makes that a seek whatever the length of the queue.
	if _, err := x.Exec("CREATE INDEX idx_action_run_job_claim ON action_run_job (status, label_key, id)"); err != nil {
		return fmt.Errorf("create claim index: %w", err)
	}
	return nil
}
