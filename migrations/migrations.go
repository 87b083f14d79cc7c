// Package migrations brings any earlier Runnerhub schema to the current one,
// one numbered step at a time. Each step works on frozen copies of the tables
// as they were at that step, never on live model structs.
package migrations

import (
	"context"
	"fmt"

	"xorm.io/xorm"
)

// Step is one schema change.
type Step struct {
	Version     int64
	Description string
	Migrate     func(x *xorm.Engine) error
}

// steps is the ordered history of the schema. Append only; never edit a step
// that has shipped.
var steps = []Step{
	{1, "create users, repositories and the actions tables", v0001CreateTables},
	{2, "add the ephemeral flag to runners", v0002AddRunnerEphemeral},
	{3, "add declared capabilities to runners", v0003AddRunnerCapabilities},
	{4, "add sign-in fields and admins to users, organization owners and repository admins", v0004AddIdentity},
	{5, "add personal access tokens", v0005AddAccessTokens},
	{6, "add web sign-in sessions", v0006AddWebSessions},
	{7, "add the if condition to run jobs", v0007AddRunJobIfCondition},
	{8, "create the webhook table", v0008CreateWebhook},
	{9, "create the hook_task delivery outbox", v0009CreateHookTask},
	{10, "index waiting jobs by owner and repository for scoped runners' claims", v0010AddScopedClaimIndexes},
	{12, "record when a run job became waiting", v0012AddRunJobQueued},
	{13, "create the audit log of registration tokens and runners", v0013CreateAudit},
	{15, "count task outputs, date label sets' last use, index owners' unfinished jobs by label set", v0015BoundOutputsAndLabelSets},
}

// schemaVersion records how far a database has been migrated.
type schemaVersion struct {
	ID      int64 `xorm:"pk"`
	Version int64
}

func (schemaVersion) TableName() string { return "schema_version" }

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

// Current reads the version of the database (0 for an empty one).
func Current(x *xorm.Engine) (int64, error) {
	if err := x.Sync(new(schemaVersion)); err != nil {
		return 0, fmt.Errorf("create schema_version: %w", err)
	}
	var v schemaVersion
	has, err := x.ID(1).Get(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !has {
		return 0, nil
	}
	return v.Version, nil
}

// Migrate brings the database to the latest version.
func Migrate(ctx context.Context, x *xorm.Engine) error {
	return MigrateTo(ctx, x, Latest())
}

// MigrateTo runs the steps after the database's version up to target. Several
// processes starting at once on one database serialize on a lock.
func MigrateTo(ctx context.Context, x *xorm.Engine, target int64) error {
	unlock, err := lock(ctx, x)
	if err != nil {
		return err
	}
	defer unlock()

	current, err := Current(x)
	if err != nil {
		return err
	}
	if current > Latest() {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d)", current, Latest())
	}
	for _, s := range steps {
		if s.Version <= current || s.Version > target {
			continue
		}
		if err := s.Migrate(x); err != nil {
			return fmt.Errorf("migration %d (%s): %w", s.Version, s.Description, err)
		}
		if err := setVersion(x, s.Version); err != nil {
			return err
		}
	}
	return nil
}

func setVersion(x *xorm.Engine, v int64) error {
	n, err := x.ID(1).Cols("version").Update(&schemaVersion{Version: v})
	if err != nil {
		return fmt.Errorf("record schema version %d: %w", v, err)
	}
	if n == 0 {
		if _, err := x.Insert(&schemaVersion{ID: 1, Version: v}); err != nil {
			return fmt.Errorf("record schema version %d: %w", v, err)
		}
	}
	return nil
}
