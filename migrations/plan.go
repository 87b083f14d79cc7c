package migrations

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"xorm.io/xorm"
)

// Plan is what Migrate would do, found by reading only: the steps it would
// run and, for a Gitea database, what it would convert and what it cannot.
type Plan struct {
	Current, Latest int64
	Steps           []Step // the steps still to run
	Gitea           bool   // the database is Gitea's and would be adopted first
	Tables          []PlanTable
	// Left lists what is not carried over, each with its count and why.
	Left []string
	// Refused says why Migrate would stop without changing anything.
	Refused string
}

// PlanTable is one of Gitea's tables and what becomes of its rows.
type PlanTable struct {
	Table string
	Rows  int64
	Into  string
}

// PlanOptions are what the plan checks beyond the database.
type PlanOptions struct {
	// LegacyLogPath is [actions] LEGACY_LOG_PATH: the plan counts the
	// finished logs Gitea left that are not there.
	LegacyLogPath string
}

// MakePlan tells what Migrate(ctx, x, opts) would do. It changes nothing,
// not even the version tables.
func MakePlan(ctx context.Context, x *xorm.Engine, opts Options, po PlanOptions) (*Plan, error) {
	p := &Plan{Latest: Latest()}
	if ok, err := hasTable(x, opts.versionTable()); err != nil {
		return nil, err
	} else if ok {
		if p.Current, err = readVersion(x, opts); err != nil {
			return nil, err
		}
	}
	from := p.Current
	if p.Current == 0 {
		gitea, err := isUnadoptedGitea(x, opts)
		if err != nil {
			return nil, err
		}
		if gitea {
			p.Gitea = true
			from = giteaAdoptVersion
			if opts.Accounts {
				p.Refused = ErrGiteaNeedsHostAccounts.Error()
			}
			if err := planGitea(ctx, x, opts, po, p); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range steps {
		if s.Version > from {
			p.Steps = append(p.Steps, s)
		}
	}
	return p, nil
}

// giteaTableName is where a Gitea table is: under its name, or set aside
// by an adoption that stopped.
func giteaTableName(x *xorm.Engine, table string) (string, bool, error) {
	for _, name := range []string{asideName(table), table} {
		ok, err := hasTable(x, name)
		if err != nil || ok {
			return name, ok, err
		}
	}
	return "", false, nil
}

func count(x *xorm.Engine, table, where string, args ...any) (int64, error) {
	q := "SELECT COUNT(*) FROM " + x.Quote(table)
	if where != "" {
		q += " WHERE " + where
	}
	var n int64
	_, err := x.SQL(q, args...).Get(&n)
	return n, err
}

func planGitea(ctx context.Context, x *xorm.Engine, opts Options, po PlanOptions, p *Plan) error {
	into := map[string]string{
		"action_runner":        "action_runner (ids, uuids, names, labels, scopes and versions kept; each runner's token checked against Gitea's hash at its first call, then rehashed)",
		"action_runner_token":  "action_runner_token (hashed; each scope's newest token stays its reusable one, sealed)",
		"action_run":           "action_run",
		"action_run_job":       "action_run_job (label sets and if: conditions derived)",
		"action_task":          "action_task",
		"action_task_step":     "action_task_step",
		"action_task_output":   "action_task_output",
		"action_tasks_version": "action_tasks_version (raised, so every runner looks at the queue once)",
	}
	names := map[string]string{}
	for _, t := range giteaActionTables {
		name, ok, err := giteaTableName(x, t)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		names[t] = name
		n, err := count(x, name, "")
		if err != nil {
			return err
		}
		p.Tables = append(p.Tables, PlanTable{Table: t, Rows: n, Into: into[t]})
	}
	if ok, err := hasTable(x, "dbfs_meta"); err != nil {
		return err
	} else if ok {
		n, err := count(x, "dbfs_meta", "full_path LIKE ?", "%:actions_log/%")
		if err != nil {
			return err
		}
		p.Tables = append(p.Tables, PlanTable{Table: "dbfs_meta", Rows: n, Into: "action_log_chunk (the logs of tasks that had not finished)"})
	}
	owners, err := giteaRepoOwners(x)
	if err != nil {
		return err
	}
	left := func(n int64, format string, args ...any) {
		if n > 0 {
			p.Left = append(p.Left, fmt.Sprintf("%d %s", n, fmt.Sprintf(format, args...)))
		}
	}
	if t := names["action_runner"]; t != "" {
		var repoIDs []int64
		if err := x.SQL("SELECT repo_id FROM " + t + " WHERE repo_id <> 0 AND deleted = 0").Find(&repoIDs); err != nil {
			return err
		}
		var orphans int64
		for _, id := range repoIDs {
			if _, ok := owners[id]; !ok {
				orphans++
			}
		}
		left(orphans, "runner(s) of repositories that no longer exist: kept as removed")
	}
	if t := names["action_runner_token"]; t != "" {
		n, err := count(x, t, "is_active = FALSE AND deleted = 0")
		if err != nil {
			return err
		}
		left(n, "registration token(s) Gitea had replaced: kept disabled, so they are refused as such")
		if opts.Seal == nil {
			left(1, "note: no secret key given, so current registration tokens keep working but are not shown again (a new one is made on request)")
		}
	}
	if t := names["action_run"]; t != "" {
		n, err := count(x, t, "need_approval = TRUE AND approved_by = 0 AND status IN (5, 7)")
		if err != nil && !strings.Contains(err.Error(), "need_approval") {
			return err
		}
		left(n, "run(s) waiting for approval: Runnerhub has no approval step, so their jobs stay blocked; approve or cancel them in Gitea first")
	}
	for _, t := range []string{"action_run", "action_run_job", "action_task"} {
		if names[t] == "" {
			continue
		}
		n, err := count(x, names[t], "status > 7")
		if err != nil {
			return err
		}
		left(n, "row(s) of %s in a state Runnerhub does not have (cancelling): ended as cancelled", t)
	}
	if t := names["action_task"]; t != "" {
		n, err := count(x, t, "status = 6")
		if err != nil {
			return err
		}
		left(n, "running task(s): their per-task runtime token (Gitea's hash) is not carried; the tasks themselves go on")
		n, err = count(x, t, "log_in_storage = TRUE AND log_expired = TRUE")
		if err != nil {
			return err
		}
		left(n, "task log(s) Gitea had already deleted as expired")
		var stored []string
		if err := x.SQL("SELECT log_filename FROM " + t + " WHERE log_in_storage = TRUE AND log_expired = FALSE AND log_filename <> ''").Find(&stored); err != nil {
			return err
		}
		switch {
		case len(stored) == 0:
		case po.LegacyLogPath == "":
			left(int64(len(stored)), "finished task log(s) in Gitea's storage: readable once [actions] LEGACY_LOG_PATH names that folder")
		default:
			var missing int64
			for _, name := range stored {
				if !filepath.IsLocal(filepath.FromSlash(name)) {
					missing++
					continue
				}
				if _, err := os.Stat(filepath.Join(po.LegacyLogPath, filepath.FromSlash(name))); err != nil {
					missing++
				}
			}
			left(missing, "finished task log(s) not found under LEGACY_LOG_PATH %s (kept named, unreadable until the files are there)", po.LegacyLogPath)
		}
	}
	if ok, err := hasColumn(x, "webhook", "events"); err != nil {
		return err
	} else if ok {
		n, err := count(x, "webhook", "events LIKE ?", "%workflow_job%")
		if err != nil {
			return err
		}
		left(n, "Gitea webhook(s) subscribed to workflow_job: not carried (Runnerhub sends those events now); add them in Runnerhub")
	}
	for _, t := range []string{"action_artifact", "action_variable", "secret", "action_schedule", "action_schedule_spec", "action_runner_group"} {
		ok, err := hasTable(x, t)
		if err != nil {
			return err
		}
		if ok {
			n, err := count(x, t, "")
			if err != nil {
				return err
			}
			left(n, "row(s) of %s: left to Gitea, untouched (Runnerhub does not use them)", t)
		}
	}
	return ctx.Err()
}

// Write prints the plan for an operator.
func (p *Plan) Write(w io.Writer) {
	fmt.Fprintf(w, "schema version %d, this binary's latest %d\n", p.Current, p.Latest)
	if p.Gitea {
		fmt.Fprintln(w, "this database is Gitea's: its action tables would be adopted (set aside as gitea_*, converted):")
		for _, t := range p.Tables {
			fmt.Fprintf(w, "  %-22s %6d row(s) -> %s\n", t.Table, t.Rows, t.Into)
		}
		if len(p.Left) > 0 {
			fmt.Fprintln(w, "not carried over, or carried with a change:")
			for _, l := range p.Left {
				fmt.Fprintln(w, "  - "+l)
			}
		}
	}
	if p.Refused != "" {
		fmt.Fprintln(w, "migrate would stop here: "+p.Refused)
		return
	}
	if len(p.Steps) == 0 && !p.Gitea {
		fmt.Fprintln(w, "nothing to do")
		return
	}
	fmt.Fprintln(w, "steps to run:")
	for _, s := range p.Steps {
		fmt.Fprintf(w, "  %d: %s\n", s.Version, s.Description)
	}
}
