// Package giteafixture builds a database as Gitea 1.24–1.26 leaves it: its
// account tables, its action tables, its dbfs tables and its version table,
// with rows in every runner scope, registration tokens, a finished run whose
// logs are in Gitea's storage folder and a running task whose log is still
// in dbfs. The tables below are this project's own notes of Gitea's schema,
// read from Gitea's models: the columns Runnerhub reads, with their types,
// and some it does not, so that a converter relying on a column Gitea does
// not have, or tripping over one it has, fails here.
package giteafixture

// version is Gitea's schema version table.
type version struct {
	ID      int64 `xorm:"pk autoincr"`
	Version int64
}

type user struct {
	ID             int64  `xorm:"pk autoincr"`
	LowerName      string `xorm:"UNIQUE NOT NULL"`
	Name           string `xorm:"UNIQUE NOT NULL"`
	FullName       string
	Email          string `xorm:"NOT NULL"`
	Passwd         string `xorm:"NOT NULL"`
	PasswdHashAlgo string `xorm:"NOT NULL DEFAULT 'argon2'"`
	Salt           string `xorm:"VARCHAR(32)"`
	Type           int    // 0 individual, 1 organization
	IsActive       bool   `xorm:"INDEX"`
	IsAdmin        bool
	ProhibitLogin  bool `xorm:"NOT NULL DEFAULT false"`
	Visibility     int  `xorm:"NOT NULL DEFAULT 0"`
	CreatedUnix    int64
	UpdatedUnix    int64
}

func (user) TableName() string { return "user" }

type repository struct {
	ID          int64 `xorm:"pk autoincr"`
	OwnerID     int64 `xorm:"UNIQUE(s) index"`
	OwnerName   string
	LowerName   string `xorm:"UNIQUE(s) INDEX NOT NULL"`
	Name        string `xorm:"INDEX NOT NULL"`
	IsPrivate   bool   `xorm:"INDEX"`
	CreatedUnix int64
	UpdatedUnix int64
}

func (repository) TableName() string { return "repository" }

type team struct {
	ID                      int64 `xorm:"pk autoincr"`
	OrgID                   int64 `xorm:"INDEX"`
	LowerName               string
	Name                    string
	Authorize               int  // access mode; 4 is the Owners team
	IncludesAllRepositories bool `xorm:"NOT NULL DEFAULT false"`
}

func (team) TableName() string { return "team" }

type teamUser struct {
	ID     int64 `xorm:"pk autoincr"`
	OrgID  int64 `xorm:"INDEX"`
	TeamID int64 `xorm:"UNIQUE(s)"`
	UID    int64 `xorm:"UNIQUE(s)"`
}

func (teamUser) TableName() string { return "team_user" }

type access struct {
	ID     int64 `xorm:"pk autoincr"`
	UserID int64 `xorm:"UNIQUE(s)"`
	RepoID int64 `xorm:"UNIQUE(s)"`
	Mode   int
}

func (access) TableName() string { return "access" }

type collaboration struct {
	ID          int64 `xorm:"pk autoincr"`
	RepoID      int64 `xorm:"UNIQUE(s) INDEX NOT NULL"`
	UserID      int64 `xorm:"UNIQUE(s) INDEX NOT NULL"`
	Mode        int   `xorm:"DEFAULT 2 NOT NULL"`
	CreatedUnix int64
	UpdatedUnix int64
}

func (collaboration) TableName() string { return "collaboration" }

type accessToken struct {
	ID             int64 `xorm:"pk autoincr"`
	UID            int64 `xorm:"INDEX"`
	Name           string
	TokenHash      string `xorm:"UNIQUE"` // PBKDF2 of the token with TokenSalt
	TokenSalt      string
	TokenLastEight string `xorm:"INDEX token_last_eight"`
	Scope          string
	CreatedUnix    int64 `xorm:"INDEX"`
	UpdatedUnix    int64 `xorm:"INDEX"`
}

func (accessToken) TableName() string { return "access_token" }

type webhook struct {
	ID              int64 `xorm:"pk autoincr"`
	RepoID          int64 `xorm:"INDEX"`
	OwnerID         int64 `xorm:"INDEX"`
	IsSystemWebhook bool
	URL             string `xorm:"url TEXT"`
	HTTPMethod      string `xorm:"http_method"`
	ContentType     int
	Secret          string `xorm:"TEXT"`
	Events          string `xorm:"TEXT"`
	IsActive        bool   `xorm:"INDEX"`
	Type            string `xorm:"VARCHAR(16) 'type'"`
	CreatedUnix     int64  `xorm:"INDEX"`
	UpdatedUnix     int64  `xorm:"INDEX"`
}

func (webhook) TableName() string { return "webhook" }

type hookTask struct {
	ID             int64  `xorm:"pk autoincr"`
	HookID         int64  `xorm:"index"`
	UUID           string `xorm:"uuid unique"`
	PayloadContent string `xorm:"LONGTEXT"`
	EventType      string
	IsDelivered    bool
	Delivered      int64
}

func (hookTask) TableName() string { return "hook_task" }

type actionRunner struct {
	ID          int64
	UUID        string `xorm:"CHAR(36) UNIQUE"`
	Name        string `xorm:"VARCHAR(255)"`
	Version     string `xorm:"VARCHAR(64)"`
	OwnerID     int64  `xorm:"index"`
	RepoID      int64  `xorm:"index"`
	Description string `xorm:"TEXT"`
	Base        int
	RepoRange   string
	TokenHash   string `xorm:"UNIQUE"`
	TokenSalt   string
	LastOnline  int64  `xorm:"index"`
	LastActive  int64  `xorm:"index"`
	AgentLabels string `xorm:"TEXT"` // JSON array
	Ephemeral   bool   `xorm:"ephemeral NOT NULL DEFAULT false"`
	Created     int64
	Updated     int64
	Deleted     int64
}

func (actionRunner) TableName() string { return "action_runner" }

type actionRunnerToken struct {
	ID       int64
	Token    string `xorm:"UNIQUE"`
	OwnerID  int64  `xorm:"index"`
	RepoID   int64  `xorm:"index"`
	IsActive bool
	Created  int64
	Updated  int64
	Deleted  int64
}

func (actionRunnerToken) TableName() string { return "action_runner_token" }

type actionRun struct {
	ID                int64
	Title             string
	RepoID            int64  `xorm:"index unique(repo_index)"`
	OwnerID           int64  `xorm:"index"`
	WorkflowID        string `xorm:"index"`
	Index             int64  `xorm:"index unique(repo_index)"` // the run number within the repository
	TriggerUserID     int64  `xorm:"index"`
	ScheduleID        int64
	Ref               string `xorm:"index"`
	CommitSHA         string
	IsForkPullRequest bool
	NeedApproval      bool
	ApprovedBy        int64 `xorm:"index"`
	Event             string
	EventPayload      string `xorm:"LONGTEXT"`
	TriggerEvent      string
	Status            int `xorm:"index"`
	Version           int `xorm:"version default 0"`
	RawConcurrency    string
	ConcurrencyGroup  string `xorm:"NOT NULL DEFAULT ''"`
	ConcurrencyCancel bool   `xorm:"NOT NULL DEFAULT FALSE"`
	Started           int64
	Stopped           int64
	PreviousDuration  int64
	Created           int64 `xorm:"index"`
	Updated           int64
}

func (actionRun) TableName() string { return "action_run" }

type actionRunJob struct {
	ID                     int64
	RunID                  int64  `xorm:"index"`
	RepoID                 int64  `xorm:"index"`
	OwnerID                int64  `xorm:"index"`
	CommitSHA              string `xorm:"index"`
	IsForkPullRequest      bool
	Name                   string `xorm:"VARCHAR(255)"`
	Attempt                int64
	WorkflowPayload        []byte
	JobID                  string `xorm:"VARCHAR(255)"`
	Needs                  string `xorm:"TEXT"`
	RunsOn                 string `xorm:"TEXT"`
	TaskID                 int64
	Status                 int `xorm:"index"`
	RawConcurrency         string
	IsConcurrencyEvaluated bool
	ConcurrencyGroup       string `xorm:"NOT NULL DEFAULT ''"`
	ConcurrencyCancel      bool   `xorm:"NOT NULL DEFAULT FALSE"`
	Started                int64
	Stopped                int64
	Created                int64
	Updated                int64 `xorm:"index"`
}

func (actionRunJob) TableName() string { return "action_run_job" }

type actionTask struct {
	ID                int64
	JobID             int64
	Attempt           int64
	RunnerID          int64  `xorm:"index"`
	Status            int    `xorm:"index"`
	Started           int64  `xorm:"index"`
	Stopped           int64  `xorm:"index(stopped_log_expired)"`
	RepoID            int64  `xorm:"index"`
	OwnerID           int64  `xorm:"index"`
	CommitSHA         string `xorm:"index"`
	IsForkPullRequest bool
	TokenHash         string `xorm:"UNIQUE"`
	TokenSalt         string
	TokenLastEight    string `xorm:"index token_last_eight"`
	LogFilename       string
	LogInStorage      bool
	LogLength         int64
	LogSize           int64
	LogIndexes        []byte `xorm:"LONGBLOB"`
	LogExpired        bool   `xorm:"index(stopped_log_expired)"`
	Created           int64
	Updated           int64 `xorm:"index"`
}

func (actionTask) TableName() string { return "action_task" }

type actionTaskStep struct {
	ID        int64
	Name      string `xorm:"VARCHAR(255)"`
	TaskID    int64  `xorm:"index unique(task_index)"`
	Index     int64  `xorm:"index unique(task_index)"`
	RepoID    int64  `xorm:"index"`
	Status    int    `xorm:"index"`
	LogIndex  int64
	LogLength int64
	Started   int64
	Stopped   int64
	Created   int64
	Updated   int64
}

func (actionTaskStep) TableName() string { return "action_task_step" }

type actionTaskOutput struct {
	ID          int64
	TaskID      int64  `xorm:"INDEX UNIQUE(task_id_output_key)"`
	OutputKey   string `xorm:"VARCHAR(255) UNIQUE(task_id_output_key)"`
	OutputValue string `xorm:"MEDIUMTEXT"`
}

func (actionTaskOutput) TableName() string { return "action_task_output" }

type actionTasksVersion struct {
	ID      int64 `xorm:"pk autoincr"`
	OwnerID int64 `xorm:"UNIQUE(owner_repo)"`
	RepoID  int64 `xorm:"INDEX UNIQUE(owner_repo)"`
	Version int64
	Created int64
	Updated int64
}

func (actionTasksVersion) TableName() string { return "action_tasks_version" }

// actionVariable is one of Gitea's action tables Runnerhub has no use for;
// it must come through untouched.
type actionVariable struct {
	ID      int64  `xorm:"pk autoincr"`
	OwnerID int64  `xorm:"UNIQUE(owner_repo_name)"`
	RepoID  int64  `xorm:"INDEX UNIQUE(owner_repo_name)"`
	Name    string `xorm:"UNIQUE(owner_repo_name) NOT NULL"`
	Data    string `xorm:"LONGTEXT NOT NULL"`
}

func (actionVariable) TableName() string { return "action_variable" }

type dbfsMeta struct {
	ID              int64  `xorm:"pk autoincr"`
	FullPath        string `xorm:"VARCHAR(500) UNIQUE NOT NULL"`
	BlockSize       int64  `xorm:"BIGINT NOT NULL"`
	FileSize        int64  `xorm:"BIGINT NOT NULL"`
	CreateTimestamp int64  `xorm:"BIGINT NOT NULL"`
	ModifyTimestamp int64  `xorm:"BIGINT NOT NULL"`
}

func (dbfsMeta) TableName() string { return "dbfs_meta" }

type dbfsData struct {
	ID         int64  `xorm:"pk autoincr"`
	Revision   int64  `xorm:"BIGINT NOT NULL"`
	MetaID     int64  `xorm:"BIGINT index(meta_offset) NOT NULL"`
	BlobOffset int64  `xorm:"BIGINT index(meta_offset) NOT NULL"`
	BlobSize   int64  `xorm:"BIGINT NOT NULL"`
	BlobData   []byte `xorm:"BLOB NOT NULL"`
}

func (dbfsData) TableName() string { return "dbfs_data" }

func tables() []any {
	return []any{
		new(version), new(user), new(repository), new(team), new(teamUser), new(access), new(collaboration),
		new(accessToken), new(webhook), new(hookTask),
		new(actionRunner), new(actionRunnerToken), new(actionRun), new(actionRunJob), new(actionTask),
		new(actionTaskStep), new(actionTaskOutput), new(actionTasksVersion), new(actionVariable),
		new(dbfsMeta), new(dbfsData),
	}
}
