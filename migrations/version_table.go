package migrations

import (
	"fmt"
	"time"

	"xorm.io/xorm"
)

// The version table has one row (id 1) with the highest version applied;
// the step table one row per step applied. The step table is what lets
// Migrate notice a step numbered below the version that was never run.

func ensureVersionTables(x *xorm.Engine, opts Options) error {
	for _, stmt := range []string{
		"CREATE TABLE IF NOT EXISTS " + x.Quote(opts.versionTable()) + " (id BIGINT PRIMARY KEY NOT NULL, version BIGINT NOT NULL)",
		"CREATE TABLE IF NOT EXISTS " + x.Quote(opts.stepTable()) + " (version BIGINT PRIMARY KEY NOT NULL, applied BIGINT NOT NULL)",
	} {
		if _, err := x.Exec(stmt); err != nil {
			return fmt.Errorf("create the version tables: %w", err)
		}
	}
	return nil
}

func readVersion(x *xorm.Engine, opts Options) (int64, error) {
	var v int64
	if _, err := x.SQL("SELECT version FROM " + x.Quote(opts.versionTable()) + " WHERE id = 1").Get(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// recordStep marks version as applied and raises the version to it.
func recordStep(x *xorm.Engine, opts Options, version int64) error {
	if _, err := x.Exec("INSERT INTO "+x.Quote(opts.stepTable())+" (version, applied) VALUES (?, ?)", version, time.Now().Unix()); err != nil {
		return fmt.Errorf("record migration %d: %w", version, err)
	}
	res, err := x.Exec("UPDATE "+x.Quote(opts.versionTable())+" SET version = ? WHERE id = 1 AND version < ?", version, version)
	if err != nil {
		return fmt.Errorf("record schema version %d: %w", version, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		has, err := x.SQL("SELECT 1 FROM " + x.Quote(opts.versionTable()) + " WHERE id = 1").Exist()
		if err != nil {
			return fmt.Errorf("record schema version %d: %w", version, err)
		}
		if !has {
			if _, err := x.Exec("INSERT INTO "+x.Quote(opts.versionTable())+" (id, version) VALUES (1, ?)", version); err != nil {
				return fmt.Errorf("record schema version %d: %w", version, err)
			}
		}
	}
	return nil
}

// checkNoneSkipped refuses a database that passed a step without running it:
// a step numbered at or below current that the step table does not list.
// A database migrated before the step table existed lists none; its steps up
// to current are recorded as they are known now, once.
func checkNoneSkipped(x *xorm.Engine, opts Options, steps []Step, current int64) error {
	var applied []int64
	if err := x.SQL("SELECT version FROM " + x.Quote(opts.stepTable())).Find(&applied); err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	done := make(map[int64]bool, len(applied))
	for _, v := range applied {
		done[v] = true
	}
	for _, s := range steps {
		if s.Version > current || done[s.Version] {
			continue
		}
		if len(applied) == 0 { // migrated before steps were recorded
			if _, err := x.Exec("INSERT INTO "+x.Quote(opts.stepTable())+" (version, applied) VALUES (?, 0)", s.Version); err != nil {
				return fmt.Errorf("record migration %d: %w", s.Version, err)
			}
			continue
		}
		return fmt.Errorf("migration %d (%s) is below the database's version %d but was never run there: "+
			"it was added after the database passed that number; renumber it above %d", s.Version, s.Description, current, current)
	}
	return nil
}
