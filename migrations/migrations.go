// Package migrations brings any earlier Runnerhub schema to the current one,
// one numbered step at a time. Each step works on frozen copies of the tables
// as they were at that step, never on live model structs.
//
// A step has two parts: Migrate changes Runnerhub's own tables (the action_*
// tables, webhooks, sessions), Accounts the tables of the standalone
// accounts (users, repositories, organization owners, repository collaborators,
// access tokens). A host that brings its own accounts migrates with
// Options.Accounts false, so that its own tables of those names (Gitea has
// "user", "repository" and "access_token") are never created or changed.
//
// A host with a migration sequence of its own can run Steps inside it: each
// Step.Run records itself in Runnerhub's version table, so Check and Migrate
// know where the database stands either way.
package migrations

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"xorm.io/xorm"
)

// Options says which tables to migrate and where the version is kept.
type Options struct {
	// VersionTable keeps the schema's version; "schema_version" when empty.
	// The steps applied are listed in VersionTable + "_step".
	VersionTable string
	// Accounts migrates the standalone accounts' tables too.
	Accounts bool
	// Seal encrypts a secret that must be shown again, as the server does
	// (secret.Box.Seal under [security] SECRET_KEY). Adopting a Gitea
	// database seals each scope's current registration token with it; when
	// nil those tokens keep working but are no longer shown.
	Seal func(plain string) string
}

// Standalone is what the runnerhub command migrates: everything, with the
// version in "schema_version".
var Standalone = Options{Accounts: true}

func (o Options) versionTable() string {
	if o.VersionTable == "" {
		return "schema_version"
	}
	return o.VersionTable
}

func (o Options) stepTable() string { return o.versionTable() + "_step" }

// Step is one schema change.
type Step struct {
	Version     int64
	Description string
	// Migrate changes Runnerhub's own tables; nil when the step has nothing
	// for them.
	Migrate func(x *xorm.Engine) error
	// Accounts changes the standalone accounts' tables; nil when the step has
	// nothing for them. It runs only with Options.Accounts.
	Accounts func(x *xorm.Engine) error
}

// steps is the ordered history of the schema. Append only; never edit a step
// that has shipped. A number is never reused: a step added below a version
// that databases have already passed would be skipped by them, which is why
// Migrate refuses to run when it finds one.
var steps = []Step{
	{1, "create users, repositories and the actions tables", v0001CreateTables, v0001CreateAccounts},
	{2, "add the ephemeral flag to runners", v0002AddRunnerEphemeral, nil},
	{3, "add declared capabilities to runners", v0003AddRunnerCapabilities, nil},
	{4, "add sign-in fields and admins to users, organization owners and repository admins", nil, v0004AddIdentity},
	{5, "add personal access tokens", nil, v0005AddAccessTokens},
	{6, "add web sign-in sessions", v0006AddWebSessions, nil},
	{7, "add the if condition to run jobs", v0007AddRunJobIfCondition, nil},
	{8, "create the webhook table", v0008CreateWebhook, nil},
	{9, "create the hook_task delivery outbox", v0009CreateHookTask, nil},
	{10, "index waiting jobs by owner and repository for scoped runners' claims", v0010AddScopedClaimIndexes, nil},
	// 11 was left out when 12 was written; it stays empty so that the
	// numbers have no gap a later step could fall into.
	{11, "nothing (the number was skipped)", nil, nil},
	{12, "record when a run job became waiting", v0012AddRunJobQueued, nil},
	{13, "create the audit log of registration tokens and runners", v0013CreateAudit, nil},
	{15, "count task outputs, date label sets' last use, index owners' unfinished jobs by label set", v0015BoundOutputsAndLabelSets, nil},
	{16, "add an optional expiry to personal access tokens", nil, v0016AddAccessTokenExpiry},
	{18, "create the queue samples behind the queue chart; index jobs by start", v0018CreateQueueSample, nil},
	{19, "rename the webhook tables to action_webhook and action_hook_task (Gitea has tables of those names)", v0019RenameWebhookTables, nil},
	{20, "keep runner tokens and task logs that Gitea left (legacy_token_hash, legacy_log_filename)", v0020AddLegacyCredentials, nil},
	{25, "create runner groups, their repositories and managers; default groups for existing runners", v0025CreateRunnerGroups, nil},
	{26, "link a requeued job's new row to the row it replaces; index pending webhook deliveries by webhook", v0026SupersedeRequeuedJobs, nil},
	{27, "grade repository access as Gitea's collaborators do (read, write, admin): repo_collaborator replaces repo_admin", nil, v0027AddRepoCollaborators},
	{28, "mark runners made from a JIT config", v0028AddRunnerJIT, nil},
	{29, "create the runners of provisioner pools: their slots, leases and failed starts", v0029CreatePoolRunners, nil},
	{30, "add must_change_password to standalone users", nil, v0030AddUserMustChangePassword},
	{31, "add scopes to personal access tokens (existing ones keep all)", nil, v0031AddAccessTokenScope},
}

// Steps returns the ordered steps, for a host that runs them inside its own
// migration sequence (each with Step.Run).
func Steps() []Step { return slices.Clone(steps) }

// Versions lists every step's version in order.
func Versions() []int64 {
	vs := make([]int64, len(steps))
	for i, s := range steps {
		vs[i] = s.Version
	}
	return vs
}

// Latest is the version a fully migrated database has.
func Latest() int64 { return steps[len(steps)-1].Version }

// Run applies the step's parts that opts select and records it as applied.
// The caller runs steps in order, once each; Migrate does that.
func (s Step) Run(x *xorm.Engine, opts Options) error {
	if err := ensureVersionTables(x, opts); err != nil {
		return err
	}
	if s.Version <= giteaAdoptVersion {
		// Run on Gitea's action tables, the early steps would change them
		// in place: Gitea's tables are adopted by Migrate only.
		if v, err := readVersion(x, opts); err != nil {
			return err
		} else if v == 0 {
			if gitea, err := isUnadoptedGitea(x, opts); err != nil {
				return err
			} else if gitea {
				return errors.New("this database holds Gitea's action tables: adopt them with migrations.Migrate, not step by step")
			}
		}
	}
	if s.Migrate != nil {
		if err := s.Migrate(x); err != nil {
			return fmt.Errorf("migration %d (%s): %w", s.Version, s.Description, err)
		}
	}
	if s.Accounts != nil && opts.Accounts {
		if err := s.Accounts(x); err != nil {
			return fmt.Errorf("migration %d (%s), accounts: %w", s.Version, s.Description, err)
		}
	}
	return recordStep(x, opts, s.Version)
}

// Current reads the version of the database (0 for an empty one).
func Current(x *xorm.Engine, opts Options) (int64, error) {
	if err := ensureVersionTables(x, opts); err != nil {
		return 0, err
	}
	return readVersion(x, opts)
}

// Check returns an error unless the database is at the latest version.
func Check(x *xorm.Engine, opts Options) error {
	v, err := Current(x, opts)
	if err != nil {
		return err
	}
	if v != Latest() {
		return fmt.Errorf("database schema is at version %d, this server needs %d: migrate first (runnerhub migrate)", v, Latest())
	}
	return nil
}

// Migrate brings the database to the latest version.
func Migrate(ctx context.Context, x *xorm.Engine, opts Options) error {
	return MigrateTo(ctx, x, opts, Latest())
}

// MigrateTo runs the steps after the database's version up to target. Several
// processes starting at once on one database serialize on a lock.
func MigrateTo(ctx context.Context, x *xorm.Engine, opts Options, target int64) error {
	return migrate(ctx, x, opts, steps, target)
}

func migrate(ctx context.Context, x *xorm.Engine, opts Options, steps []Step, target int64) error {
	unlock, err := lock(ctx, x)
	if err != nil {
		return err
	}
	defer unlock()

	current, err := Current(x, opts)
	if err != nil {
		return err
	}
	latest := steps[len(steps)-1].Version
	if current > latest {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d)", current, latest)
	}
	if current == 0 {
		gitea, err := isUnadoptedGitea(x, opts)
		if err != nil {
			return err
		}
		if gitea {
			if err := adoptGitea(ctx, x, opts, target); err != nil {
				return err
			}
			current = giteaAdoptVersion
		}
	}
	if err := checkNoneSkipped(x, opts, steps, current); err != nil {
		return err
	}
	for _, s := range steps {
		if s.Version <= current || s.Version > target {
			continue
		}
		if err := s.Run(x, opts); err != nil {
			return err
		}
	}
	return nil
}
