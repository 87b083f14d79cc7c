package migrations

import "xorm.io/xorm"

// v0020ActionRunner keeps the credential of a runner registered by Gitea
// until its first call: Gitea stored only a slow salted hash of the token,
// which cannot be turned into Runnerhub's hash without the token. On the
// first call that presents the token the server checks it against this
// hash and stores its own (services/actions). Empty for every other runner.
type v0020ActionRunner struct {
	LegacyTokenHash string `xorm:"VARCHAR(255) NOT NULL DEFAULT ''"`
}

func (v0020ActionRunner) TableName() string { return "action_runner" }

// v0020ActionTask names a finished task's log file where Gitea left it, in
// its actions_log storage ([actions] LEGACY_LOG_PATH); empty when the log is
// in action_log_chunk.
type v0020ActionTask struct {
	LegacyLogFilename string `xorm:"VARCHAR(1024) NOT NULL DEFAULT ''"`
}

func (v0020ActionTask) TableName() string { return "action_task" }

func v0020AddLegacyCredentials(x *xorm.Engine) error {
	return addColumns(x, new(v0020ActionRunner), new(v0020ActionTask))
}
