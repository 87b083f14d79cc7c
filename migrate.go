package runnerhub

import (
	"context"
	"errors"

	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
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
//
// A database Gitea wrote is adopted on the way (see package migrations): it
// needs a host's Identity (Gitea's accounts stay Gitea's), and
// Options.Security.SecretKey to seal the registration tokens taken over.
func Migrate(ctx context.Context, c Config) error {
	if c.Engine == nil {
		return errors.New("runnerhub: Config.Engine is required")
	}
	opts, err := sealingOptions(c)
	if err != nil {
		return err
	}
	return migrations.Migrate(ctx, c.Engine, opts)
}

// MigratePlan tells what Migrate would do to c.Engine, changing nothing.
func MigratePlan(ctx context.Context, c Config) (*migrations.Plan, error) {
	if c.Engine == nil {
		return nil, errors.New("runnerhub: Config.Engine is required")
	}
	p := migrations.PlanOptions{}
	if c.Options != nil {
		p.LegacyLogPath = c.Options.Actions.LegacyLogPath
	}
	return migrations.MakePlan(ctx, c.Engine, migrateOptions(c), p)
}

func sealingOptions(c Config) (migrations.Options, error) {
	opts := migrateOptions(c)
	if c.Options != nil && c.Options.Security.SecretKey != "" {
		box, err := secret.NewBox(c.Options.Security.SecretKey)
		if err != nil {
			return opts, err
		}
		opts.Seal = box.Seal
	}
	return opts, nil
}

// ConfigFor is the Config the runnerhub command runs with: the database,
// the options and the accounts [accounts] SOURCE names.
func ConfigFor(x *xorm.Engine, o *options.Options) (Config, error) {
	id, err := identity.ForSource(o.Accounts.Source)
	if err != nil {
		return Config{}, err
	}
	return Config{Engine: x, Options: o, Identity: id}, nil
}

func migrateOptions(c Config) migrations.Options {
	return migrations.Options{VersionTable: c.VersionTable, Accounts: c.Identity == nil}
}
