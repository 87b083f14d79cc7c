package runnerhub

import (
	"context"
	"errors"

	"code.runnerhub.dev/runnerhub/migrations"
)

// Migrate brings Runnerhub's tables in c.Engine to the version this module
// needs; New refuses a database that is not there. The standalone accounts'
// tables are created only when c.Identity is nil, so a host's own tables
// (Gitea's "user", "repository", "access_token") are never touched. Several
// processes may call it at once: they take turns.
//
// A host with its own migration sequence may run migrations.Steps in it
// instead, with the same options (migrations.Options{VersionTable:
// c.VersionTable, Accounts: c.Identity == nil}).
func Migrate(ctx context.Context, c Config) error {
	if c.Engine == nil {
		return errors.New("runnerhub: Config.Engine is required")
	}
	return migrations.Migrate(ctx, c.Engine, migrateOptions(c))
}

func migrateOptions(c Config) migrations.Options {
	return migrations.Options{VersionTable: c.VersionTable, Accounts: c.Identity == nil}
}
