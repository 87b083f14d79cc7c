package migrations

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"xorm.io/xorm"
)

// A database that Gitea (1.24 to 1.26) wrote has its own action_* tables,
// under the names Runnerhub uses but with other columns, and its own version
// table ("version"). Migrate recognises such a database and adopts it before
// the numbered steps run:
//
//  1. Gitea's action tables are set aside under "gitea_" names;
//  2. Runnerhub's tables are created as they are at version
//     giteaAdoptVersion (the webhook tables under their later names, which
//     do not collide with Gitea's);
//  3. the rows are copied across, converted: ids, uuids, names, labels,
//     scopes and versions kept, registration tokens hashed (the scope's
//     current one also sealed, so it can be shown again), runner tokens kept
//     as Gitea's PBKDF2 hash until each runner's first call, the logs of
//     unfinished tasks read from Gitea's dbfs tables;
//  4. the steps up to giteaAdoptVersion are recorded as applied.
//
// The later steps then run as on any database. Every phase can run again:
// a crash leaves the version at 0 and the next start picks up where it
// stopped. Gitea's own tables (user, repository, webhook, …) are only read.

// giteaAdoptVersion is the version whose schema the adoption builds.
const giteaAdoptVersion = 13

// giteaActionTables are Gitea's tables whose names Runnerhub uses.
var giteaActionTables = []string{
	"action_runner", "action_runner_token", "action_run", "action_run_job",
	"action_task", "action_task_step", "action_task_output", "action_tasks_version",
}

func asideName(table string) string { return "gitea_" + table }

// ErrGiteaNeedsHostAccounts refuses to adopt a Gitea database with the
// standalone accounts, whose tables would collide with Gitea's "user",
// "repository" and "access_token".
var ErrGiteaNeedsHostAccounts = errors.New("this database is Gitea's: its accounts stay Gitea's; " +
	"set [accounts] SOURCE = gitea (migrations.Options.Accounts false)")

// isUnadoptedGitea reports whether x holds Gitea's action tables that
// Runnerhub has not finished adopting. The caller has found version 0.
func isUnadoptedGitea(x *xorm.Engine, opts Options) (bool, error) {
	if opts.versionTable() == "version" {
		return false, nil // a host keeping Runnerhub's version in "version" is not Gitea
	}
	if ok, err := hasColumn(x, "version", "version"); err != nil || !ok {
		return false, err
	}
	if ok, err := hasColumn(x, "action_runner", "token_salt"); err != nil || ok {
		return ok, err
	}
	return hasTable(x, asideName("action_runner")) // set aside by an adoption that stopped
}

func adoptGitea(ctx context.Context, x *xorm.Engine, opts Options, target int64) error {
	if opts.Accounts {
		return ErrGiteaNeedsHostAccounts
	}
	if target < giteaAdoptVersion {
		return fmt.Errorf("a Gitea database is adopted at version %d at once; cannot stop at %d", giteaAdoptVersion, target)
	}
	if err := setGiteaTablesAside(x); err != nil {
		return fmt.Errorf("adopt Gitea's tables: set them aside: %w", err)
	}
	if err := createTablesForAdoption(x); err != nil {
		return fmt.Errorf("adopt Gitea's tables: create Runnerhub's: %w", err)
	}
	if err := importGitea(ctx, x, opts); err != nil {
		return fmt.Errorf("adopt Gitea's tables: %w", err)
	}
	return recordAdoption(x, opts)
}

// setGiteaTablesAside renames each of Gitea's action tables to its
// "gitea_" name, unless that was done already.
func setGiteaTablesAside(x *xorm.Engine) error {
	for _, t := range giteaActionTables {
		aside, err := hasTable(x, asideName(t))
		if err != nil {
			return err
		}
		if !aside {
			has, err := hasTable(x, t)
			if err != nil {
				return err
			}
			if !has {
				continue // an older Gitea without this table
			}
			if _, err := x.Exec("ALTER TABLE " + x.Quote(t) + " RENAME TO " + x.Quote(asideName(t))); err != nil {
				return fmt.Errorf("rename %s: %w", t, err)
			}
		}
		if err := dropNamedIndexes(x, asideName(t)); err != nil {
			return err
		}
		if err := renamePostgresKeys(x, asideName(t)); err != nil {
			return err
		}
	}
	return nil
}

// renamePostgresKeys gives a set-aside table's primary key and id sequence
// names of its own, so that Runnerhub's table gets the usual ones
// (action_runner_pkey, action_runner_id_seq) and a later sync finds them.
func renamePostgresKeys(x *xorm.Engine, table string) error {
	if x.DriverName() != "postgres" {
		return nil
	}
	rows, err := x.QueryString("SELECT conname FROM pg_constraint WHERE conrelid = CAST(? AS regclass) AND contype = 'p'", table)
	if err != nil {
		return fmt.Errorf("read the primary key of %s: %w", table, err)
	}
	if len(rows) == 1 && firstValue(rows[0]) != table+"_pkey" {
		if _, err := x.Exec("ALTER TABLE " + x.Quote(table) + " RENAME CONSTRAINT " + x.Quote(firstValue(rows[0])) + " TO " + x.Quote(table+"_pkey")); err != nil {
			return fmt.Errorf("rename the primary key of %s: %w", table, err)
		}
	}
	rows, err = x.QueryString("SELECT COALESCE(pg_get_serial_sequence(?, 'id'), '') AS seq", table)
	if err != nil {
		return fmt.Errorf("read the id sequence of %s: %w", table, err)
	}
	if len(rows) == 1 {
		seq := firstValue(rows[0])
		if _, name, _ := strings.Cut(seq, "."); seq != "" && strings.Trim(name, `"`) != table+"_id_seq" {
			if _, err := x.Exec("ALTER SEQUENCE " + seq + " RENAME TO " + x.Quote(table+"_id_seq")); err != nil {
				return fmt.Errorf("rename the id sequence of %s: %w", table, err)
			}
		}
	}
	return nil
}

// dropNamedIndexes drops the indexes of a table set aside. On PostgreSQL
// and SQLite index names are global, and Gitea's (IDX_action_runner_…) are
// the names Runnerhub's tables are about to use. The primary keys stay.
func dropNamedIndexes(x *xorm.Engine, table string) error {
	if x.DriverName() == "mysql" {
		return nil // MySQL names indexes per table
	}
	var q string
	switch x.DriverName() {
	case "postgres":
		q = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname NOT LIKE '%pkey%'"
	default:
		q = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
	}
	rows, err := x.QueryString(q, table)
	if err != nil {
		return fmt.Errorf("list the indexes of %s: %w", table, err)
	}
	for _, r := range rows {
		name := firstValue(r)
		if _, err := x.Exec("DROP INDEX " + x.Quote(name)); err != nil {
			return fmt.Errorf("drop index %s of %s: %w", name, table, err)
		}
	}
	return nil
}

// createTablesForAdoption builds Runnerhub's tables as the steps up to
// giteaAdoptVersion build them, each part safe to run again. Steps 8 and 9
// would create "webhook" and "hook_task", which are Gitea's: the tables are
// created under the names step 19 gives them. The legacy columns of step 20
// come now, for the import to fill.
func createTablesForAdoption(x *xorm.Engine) error {
	for _, s := range steps {
		if s.Version > giteaAdoptVersion {
			break
		}
		var err error
		switch s.Version {
		case 1:
			err = v0001CreateTablesAgain(x)
		case 8, 9:
			err = x.Sync(new(v0019ActionWebhook), new(v0019ActionHookTask))
		case 10:
			err = createIndexesAgain(x, map[string]string{
				"idx_action_run_job_claim_owner": "action_run_job (status, label_key, owner_id, id)",
				"idx_action_run_job_claim_repo":  "action_run_job (status, label_key, repo_id, id)",
			})
		default:
			if s.Migrate != nil {
				err = s.Migrate(x) // the other steps add columns or sync tables: safe to repeat
			}
		}
		if err != nil {
			return fmt.Errorf("as step %d (%s): %w", s.Version, s.Description, err)
		}
	}
	return v0020AddLegacyCredentials(x)
}

// v0001CreateTablesAgain is step 1 made safe to repeat: a second sync keeps
// the claim indexes created by hand, and those are created only when missing.
func v0001CreateTablesAgain(x *xorm.Engine) error {
	if _, err := x.SyncWithOptions(xorm.SyncOptions{IgnoreDropIndices: true},
		new(v0001ActionRunner), new(v0001ActionRunnerToken),
		new(v0001ActionRun), new(v0001ActionRunJob),
		new(v0001ActionTask), new(v0001ActionTaskStep), new(v0001ActionTaskOutput),
		new(v0001ActionLogChunk), new(v0001ActionTasksVersion), new(v0001ActionLabelSet),
	); err != nil {
		return err
	}
	return createIndexesAgain(x, map[string]string{"idx_action_run_job_claim": "action_run_job (status, label_key, id)"})
}

func createIndexesAgain(x *xorm.Engine, indexes map[string]string) error {
	for name, on := range indexes {
		table, _, _ := strings.Cut(on, " ")
		ok, err := indexExists(x, table, name)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if _, err := x.Exec("CREATE INDEX " + name + " ON " + on); err != nil {
			return fmt.Errorf("create index %s: %w", name, err)
		}
	}
	return nil
}

func indexExists(x *xorm.Engine, table, name string) (bool, error) {
	var q string
	switch x.DriverName() {
	case "postgres":
		q = "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname = ?"
	case "mysql":
		q = "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?"
	default:
		q = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name = ?"
	}
	rows, err := x.QueryString(q, table, name)
	if err != nil {
		return false, fmt.Errorf("look for index %s: %w", name, err)
	}
	return len(rows) > 0, nil
}

// recordAdoption marks the steps up to giteaAdoptVersion as applied, in one
// transaction, which is what ends the adoption.
func recordAdoption(x *xorm.Engine, opts Options) error {
	sess := x.NewSession()
	defer sess.Close()
	if err := sess.Begin(); err != nil {
		return err
	}
	if _, err := sess.Exec("DELETE FROM " + x.Quote(opts.stepTable())); err != nil {
		return err
	}
	for _, s := range steps {
		if s.Version > giteaAdoptVersion {
			break
		}
		if _, err := sess.Exec("INSERT INTO "+x.Quote(opts.stepTable())+" (version, applied) VALUES (?, ?)", s.Version, nowUnix()); err != nil {
			return fmt.Errorf("record step %d: %w", s.Version, err)
		}
	}
	if _, err := sess.Exec("DELETE FROM " + x.Quote(opts.versionTable())); err != nil {
		return err
	}
	if _, err := sess.Exec("INSERT INTO "+x.Quote(opts.versionTable())+" (id, version) VALUES (1, ?)", giteaAdoptVersion); err != nil {
		return fmt.Errorf("record schema version %d: %w", giteaAdoptVersion, err)
	}
	return sess.Commit()
}
