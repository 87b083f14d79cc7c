package migrations

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"xorm.io/xorm"
)

func nowUnix() int64 { return time.Now().Unix() }

// giteaImportBatch is how many rows are read and written at a time.
const giteaImportBatch = 500

// Gitea's statuses 0–7 are Runnerhub's; a later one (Gitea 1.26's
// "cancelling") ends as cancelled, since Runnerhub's own cancel is final.
func giteaStatus(s int) int {
	if s < 0 || s > 7 {
		return 3
	}
	return s
}

func giteaStatusDone(s int) bool { return s >= 1 && s <= 4 }

// legacyTokenHash is how a Gitea runner token hash is kept until the
// runner's first call (services/actions reads it): the PBKDF2 parameters
// Gitea used, its salt and its hex hash.
func legacyTokenHash(salt, hash string) string {
	return "gitea-pbkdf2-sha256$10000$50$" + salt + "$" + hash
}

// importGitea copies every set-aside table into Runnerhub's. Each table goes
// in one transaction and only into an empty table, so a run that stopped
// half way goes on with the tables it had not finished.
func importGitea(ctx context.Context, x *xorm.Engine, opts Options) error {
	return importGiteaTables(ctx, x, opts, -1)
}

// importGiteaTables imports the first n tables (all when n < 0).
func importGiteaTables(ctx context.Context, x *xorm.Engine, opts Options, n int) error {
	owners, err := giteaRepoOwners(x)
	if err != nil {
		return err
	}
	im := &giteaImport{x: x, opts: opts, repoOwner: owners, now: nowUnix()}
	for i, p := range []struct {
		table string
		fn    func(sess *xorm.Session) error
	}{
		{"action_runner", im.runners},
		{"action_runner_token", im.registrationTokens},
		{"action_run", im.runs},
		{"action_run_job", im.jobs},
		{"action_task", im.tasks},
		{"action_task_step", im.steps},
		{"action_task_output", im.outputs},
		{"action_log_chunk", im.logs},
		{"action_tasks_version", im.tasksVersions},
		{"action_label_set", im.labelSets},
	} {
		if i == n {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := im.table(p.table, p.fn); err != nil {
			return fmt.Errorf("import %s: %w", p.table, err)
		}
	}
	return nil
}

type giteaImport struct {
	x         *xorm.Engine
	opts      Options
	repoOwner map[int64]int64 // Gitea's repositories and their owners
	now       int64
}

func (im *giteaImport) table(table string, fn func(sess *xorm.Session) error) error {
	n, err := im.x.Table(table).Count()
	if err != nil {
		return err
	}
	if n > 0 {
		return nil // imported before a crash
	}
	sess := im.x.NewSession()
	defer sess.Close()
	if err := sess.Begin(); err != nil {
		return err
	}
	if err := fn(sess); err != nil {
		return err
	}
	if err := sess.Commit(); err != nil {
		return err
	}
	return resetSequence(im.x, table)
}

func giteaRepoOwners(x *xorm.Engine) (map[int64]int64, error) {
	type repo struct{ ID, OwnerID int64 }
	var rs []repo
	if err := x.SQL("SELECT id, owner_id FROM repository").Find(&rs); err != nil {
		return nil, fmt.Errorf("read Gitea's repositories: %w", err)
	}
	m := make(map[int64]int64, len(rs))
	for _, r := range rs {
		m[r.ID] = r.OwnerID
	}
	return m, nil
}

// scope normalises a Gitea scope: since Gitea 1.24 a repository's runners
// and tokens have owner 0, where Runnerhub keeps the repository's owner.
// ok is false when the repository is gone.
func (im *giteaImport) scope(ownerID, repoID int64) (int64, int64, bool) {
	if repoID == 0 {
		return ownerID, 0, true
	}
	owner, ok := im.repoOwner[repoID]
	return owner, repoID, ok
}

// each reads a set-aside table in id order, a batch at a time, and calls fn
// with each batch; where, when set, narrows the rows.
func each[T any](sess *xorm.Session, table, cols, where string, fn func([]T) error) error {
	var after int64
	if where != "" {
		where = " AND (" + where + ")"
	}
	for {
		var rows []T
		err := sess.SQL("SELECT "+cols+" FROM "+table+" WHERE id > ?"+where+" ORDER BY id LIMIT ?", after, giteaImportBatch).Find(&rows)
		if err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(rows); err != nil {
			return err
		}
		after = idOf(rows[len(rows)-1])
		if len(rows) < giteaImportBatch {
			return nil
		}
	}
}

func idOf(row any) int64 {
	if r, ok := row.(interface{ rowID() int64 }); ok {
		return r.rowID()
	}
	panic(fmt.Sprintf("migrations: %T has no id", row))
}

func insertRows(sess *xorm.Session, table string, rows []map[string]any) error {
	for _, r := range rows {
		if _, err := sess.Table(table).Insert(r); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

type giteaRunner struct {
	ID          int64
	UUID        string
	Name        string
	Version     string
	OwnerID     int64
	RepoID      int64
	TokenHash   string
	TokenSalt   string
	AgentLabels string
	Ephemeral   bool
	IsDisabled  bool
	LastOnline  int64
	LastActive  int64
	Created     int64
	Updated     int64
	Deleted     int64
	Tasks       int64
}

func (r giteaRunner) rowID() int64 { return r.ID }

// optional reads column when Gitea's table has it (it came with a later
// Gitea), else a constant.
func optional(cols map[string]bool, column, otherwise string) string {
	if cols[column] {
		return column
	}
	return otherwise + " AS " + column
}

func (im *giteaImport) runners(sess *xorm.Session) error {
	table := asideName("action_runner")
	cols, err := columnsOf(im.x, table)
	if err != nil {
		return err
	}
	sel := "id, uuid, name, version, owner_id, repo_id, token_hash, token_salt, agent_labels, " +
		optional(cols, "ephemeral", "FALSE") + ", " + optional(cols, "is_disabled", "FALSE") + ", last_online, last_active, created, updated, deleted, " +
		"(SELECT COUNT(*) FROM " + asideName("action_task") + " t WHERE t.runner_id = " + table + ".id) AS tasks"
	if ok, err := hasTable(im.x, asideName("action_task")); err != nil {
		return err
	} else if !ok {
		sel = strings.Replace(sel, "(SELECT COUNT(*) FROM "+asideName("action_task")+" t WHERE t.runner_id = "+table+".id)", "0", 1)
	}
	return each(sess, table, sel, "", func(rs []giteaRunner) error {
		rows := make([]map[string]any, 0, len(rs))
		for _, r := range rs {
			owner, repo, ok := im.scope(r.OwnerID, r.RepoID)
			deleted := r.Deleted
			if !ok && deleted == 0 {
				deleted = im.now // its repository is gone: kept, as removed
			}
			rows = append(rows, map[string]any{
				"id": r.ID, "uuid": r.UUID, "name": r.Name, "version": r.Version,
				"owner_id": owner, "repo_id": repo,
				"token_hash": "", "legacy_token_hash": legacyTokenHash(r.TokenSalt, r.TokenHash),
				"registration_token_id": 0, "labels": jsonStrings(r.AgentLabels, false),
				"disabled": r.IsDisabled, "ephemeral": r.Ephemeral, "capabilities": "[]",
				"task_count": r.Tasks, "last_online": r.LastOnline, "last_active": r.LastActive,
				"created": r.Created, "updated": r.Updated, "deleted": deleted,
			})
		}
		return insertRows(sess, "action_runner", rows)
	})
}

// jsonStrings re-encodes a JSON array of strings as Runnerhub stores it;
// canonical sorts it and drops duplicates, as job labels are kept.
func jsonStrings(s string, canonical bool) string {
	var v []string
	_ = json.Unmarshal([]byte(s), &v) // Gitea wrote it; anything else is no list
	if v == nil {
		v = []string{}
	}
	if canonical {
		slices.Sort(v)
		v = slices.Compact(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// labelKey is Runnerhub's key of a canonical label set (frozen copy of
// models/actions.LabelKey).
func labelKey(canonicalJSON string) string {
	var v []string
	_ = json.Unmarshal([]byte(canonicalJSON), &v)
	h := sha256.New()
	for _, l := range v {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

type giteaRegistrationToken struct {
	ID       int64
	Token    string
	OwnerID  int64
	RepoID   int64
	IsActive bool
	Created  int64
	Updated  int64
	Deleted  int64
	Latest   int64
}

func (t giteaRegistrationToken) rowID() int64 { return t.ID }

// registrationTokens keeps every token, hashed. Gitea's newest token of a
// scope is the scope's reusable one: it becomes the default token, sealed
// so it can be shown again (without a seal it stays usable but is no
// longer shown, and asking for the scope's token makes a new one). Tokens
// Gitea had made inactive are kept disabled, so using one is refused with
// that reason.
func (im *giteaImport) registrationTokens(sess *xorm.Session) error {
	table := asideName("action_runner_token")
	if ok, err := hasTable(im.x, table); err != nil || !ok {
		return err
	}
	sel := "id, token, owner_id, repo_id, is_active, created, updated, deleted, " +
		"COALESCE((SELECT MAX(l.id) FROM " + table + " l WHERE l.owner_id = " + table + ".owner_id AND l.repo_id = " + table + ".repo_id AND l.deleted = 0), 0) AS latest"
	return each(sess, table, sel, "", func(ts []giteaRegistrationToken) error {
		rows := make([]map[string]any, 0, len(ts))
		for _, t := range ts {
			owner, repo, ok := im.scope(t.OwnerID, t.RepoID)
			deleted := t.Deleted
			if !ok && deleted == 0 {
				deleted = im.now
			}
			isDefault := t.ID == t.Latest && deleted == 0 && im.opts.Seal != nil
			cipher := ""
			if isDefault && t.IsActive {
				cipher = im.opts.Seal(t.Token)
			}
			sum := sha256.Sum256([]byte(t.Token))
			rows = append(rows, map[string]any{
				"id": t.ID, "name": "gitea", "description": "registration token taken over from Gitea",
				"token_hash": hex.EncodeToString(sum[:]), "token_cipher": cipher,
				"owner_id": owner, "repo_id": repo, "is_default": isDefault, "disabled": !t.IsActive,
				"expires_unix": 0, "max_uses": 0, "uses": 0, "created_by": 0,
				"created": t.Created, "updated": t.Updated, "deleted": deleted,
			})
		}
		return insertRows(sess, "action_runner_token", rows)
	})
}

type giteaRun struct {
	ID            int64
	Title         string
	RepoID        int64
	OwnerID       int64
	WorkflowID    string
	Number        int64
	TriggerUserID int64
	Ref           string
	CommitSHA     string
	Event         string
	EventPayload  string
	Status        int
	Started       int64
	Stopped       int64
	Created       int64
	Updated       int64
}

func (r giteaRun) rowID() int64 { return r.ID }

func (im *giteaImport) runs(sess *xorm.Session) error {
	table := asideName("action_run")
	sel := "id, title, repo_id, owner_id, workflow_id, " + im.x.Quote("index") + " AS number, trigger_user_id, ref, commit_sha, event, event_payload, status, started, stopped, created, updated"
	return each(sess, table, sel, "", func(rs []giteaRun) error {
		rows := make([]map[string]any, 0, len(rs))
		for _, r := range rs {
			rows = append(rows, map[string]any{
				"id": r.ID, "owner_id": r.OwnerID, "repo_id": r.RepoID, "number": r.Number,
				"title": truncate(r.Title, 255), "workflow_id": r.WorkflowID, "ref": r.Ref, "commit_sha": r.CommitSHA,
				"event": r.Event, "event_payload": r.EventPayload, "trigger_user_id": r.TriggerUserID,
				"status": giteaStatus(r.Status), "attempt": 1, "started": r.Started, "stopped": r.Stopped,
				"created": r.Created, "updated": r.Updated,
			})
		}
		return insertRows(sess, "action_run", rows)
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

type giteaJob struct {
	ID              int64
	RunID           int64
	RepoID          int64
	OwnerID         int64
	Name            string
	Attempt         int64
	WorkflowPayload []byte
	JobID           string
	Needs           string
	RunsOn          string
	TaskID          int64
	Status          int
	Started         int64
	Stopped         int64
	Created         int64
	Updated         int64
}

func (j giteaJob) rowID() int64 { return j.ID }

func (im *giteaImport) jobs(sess *xorm.Session) error {
	table := asideName("action_run_job")
	sel := "id, run_id, repo_id, owner_id, name, attempt, workflow_payload, job_id, needs, runs_on, task_id, status, started, stopped, created, updated"
	return each(sess, table, sel, "", func(js []giteaJob) error {
		rows := make([]map[string]any, 0, len(js))
		for _, j := range js {
			runsOn := jsonStrings(j.RunsOn, true)
			status := giteaStatus(j.Status)
			var queued int64
			if status == 5 {
				queued = j.Updated
			}
			ifCond := ""
			if !giteaStatusDone(status) {
				ifCond = jobIfCondition(j.WorkflowPayload, j.JobID)
			}
			rows = append(rows, map[string]any{
				"id": j.ID, "run_id": j.RunID, "owner_id": j.OwnerID, "repo_id": j.RepoID,
				"name": truncate(j.Name, 255), "job_id": j.JobID, "attempt": max(j.Attempt, 1),
				"workflow_payload": string(j.WorkflowPayload), "needs": jsonStrings(j.Needs, false),
				"runs_on": runsOn, "if_condition": ifCond, "label_key": labelKey(runsOn),
				"status": status, "task_id": j.TaskID, "version": 0, "started": j.Started, "stopped": j.Stopped,
				"queued": queued, "created": j.Created, "updated": j.Updated,
			})
		}
		return insertRows(sess, "action_run_job", rows)
	})
}

// jobIfCondition reads the job's `if:` from Gitea's single-job workflow,
// which Gitea keeps only there; Runnerhub needs it to decide whether a job
// runs after a need failed.
func jobIfCondition(payload []byte, jobID string) string {
	var wf struct {
		Jobs map[string]struct {
			If yaml.Node `yaml:"if"`
		} `yaml:"jobs"`
	}
	if yaml.Unmarshal(payload, &wf) != nil {
		return ""
	}
	return strings.TrimSpace(wf.Jobs[jobID].If.Value)
}

type giteaTask struct {
	ID           int64
	JobID        int64
	RunID        int64
	Attempt      int64
	RunnerID     int64
	Status       int
	Started      int64
	Stopped      int64
	RepoID       int64
	OwnerID      int64
	CommitSHA    string
	LogFilename  string
	LogInStorage bool
	LogLength    int64
	LogSize      int64
	LogExpired   bool
	Created      int64
	Updated      int64
}

func (t giteaTask) rowID() int64 { return t.ID }

// tasks keeps each task; its runtime token (Gitea's per-task API token) is
// not carried: Runnerhub's verification does not know Gitea's hash. A
// finished log that Gitea moved to its storage is named for reading from
// [actions] LEGACY_LOG_PATH; the others are imported by logs.
func (im *giteaImport) tasks(sess *xorm.Session) error {
	table := asideName("action_task")
	sel := "id, job_id, COALESCE((SELECT j.run_id FROM " + asideName("action_run_job") + " j WHERE j.id = " + table + ".job_id), 0) AS run_id, " +
		"attempt, runner_id, status, started, stopped, repo_id, owner_id, commit_sha, log_filename, log_in_storage, log_length, log_size, log_expired, created, updated"
	return each(sess, table, sel, "", func(ts []giteaTask) error {
		rows := make([]map[string]any, 0, len(ts))
		for _, t := range ts {
			status := giteaStatus(t.Status)
			legacy := ""
			if t.LogInStorage && !t.LogExpired {
				legacy = t.LogFilename
			}
			rows = append(rows, map[string]any{
				"id": t.ID, "job_id": t.JobID, "run_id": t.RunID, "attempt": max(t.Attempt, 1),
				"runner_id": t.RunnerID, "owner_id": t.OwnerID, "repo_id": t.RepoID, "commit_sha": t.CommitSHA,
				"status": status, "token_hash": "", "token_expires": 0,
				"log_length": t.LogLength, "log_size": t.LogSize, "log_closed": giteaStatusDone(status),
				"legacy_log_filename": legacy, "started": t.Started, "stopped": t.Stopped,
				"created": t.Created, "updated": t.Updated,
			})
		}
		return insertRows(sess, "action_task", rows)
	})
}

type giteaStep struct {
	ID        int64
	TaskID    int64
	StepIndex int64
	Name      string
	Status    int
	LogIndex  int64
	LogLength int64
	Started   int64
	Stopped   int64
}

func (s giteaStep) rowID() int64 { return s.ID }

func (im *giteaImport) steps(sess *xorm.Session) error {
	sel := "id, task_id, " + im.x.Quote("index") + " AS step_index, name, status, log_index, log_length, started, stopped"
	return each(sess, asideName("action_task_step"), sel, "", func(ss []giteaStep) error {
		rows := make([]map[string]any, 0, len(ss))
		for _, s := range ss {
			rows = append(rows, map[string]any{
				"id": s.ID, "task_id": s.TaskID, "step_index": s.StepIndex, "name": truncate(s.Name, 255),
				"status": giteaStatus(s.Status), "log_index": s.LogIndex, "log_length": s.LogLength,
				"started": s.Started, "stopped": s.Stopped,
			})
		}
		return insertRows(sess, "action_task_step", rows)
	})
}

type giteaOutput struct {
	ID          int64
	TaskID      int64
	OutputKey   string
	OutputValue string
}

func (o giteaOutput) rowID() int64 { return o.ID }

func (im *giteaImport) outputs(sess *xorm.Session) error {
	if ok, err := hasTable(im.x, asideName("action_task_output")); err != nil || !ok {
		return err
	}
	return each(sess, asideName("action_task_output"), "id, task_id, output_key, output_value", "", func(os []giteaOutput) error {
		rows := make([]map[string]any, 0, len(os))
		for _, o := range os {
			rows = append(rows, map[string]any{"id": o.ID, "task_id": o.TaskID, "output_key": o.OutputKey, "output_value": o.OutputValue})
		}
		return insertRows(sess, "action_task_output", rows)
	})
}

// tasksVersions gives every scope a version above any Gitea handed out, so
// that each runner, which sends back the last version Gitea told it, looks
// at the queue once on its first poll.
func (im *giteaImport) tasksVersions(sess *xorm.Session) error {
	var top int64
	if ok, err := hasTable(im.x, asideName("action_tasks_version")); err != nil {
		return err
	} else if ok {
		if _, err := sess.SQL("SELECT COALESCE(MAX(version), 0) FROM " + asideName("action_tasks_version")).Get(&top); err != nil {
			return err
		}
	}
	type scope struct{ OwnerID, RepoID int64 }
	var scopes []scope
	if err := sess.SQL("SELECT DISTINCT owner_id, repo_id FROM action_runner WHERE deleted = 0").Find(&scopes); err != nil {
		return err
	}
	seen := map[scope]bool{{0, 0}: true}
	rows := []map[string]any{{"owner_id": 0, "repo_id": 0, "version": top + 1, "updated": im.now}}
	for _, s := range scopes {
		if !seen[s] {
			seen[s] = true
			rows = append(rows, map[string]any{"owner_id": s.OwnerID, "repo_id": s.RepoID, "version": top + 1, "updated": im.now})
		}
	}
	return insertRows(sess, "action_tasks_version", rows)
}

// labelSets records the runs-on sets of the jobs still to run, which is
// what runners are matched against.
func (im *giteaImport) labelSets(sess *xorm.Session) error {
	type set struct{ LabelKey, RunsOn string }
	var sets []set
	if err := sess.SQL("SELECT DISTINCT label_key, runs_on FROM action_run_job WHERE status IN (5, 6, 7)").Find(&sets); err != nil {
		return err
	}
	rows := make([]map[string]any, 0, len(sets))
	seen := map[string]bool{}
	for _, s := range sets {
		if !seen[s.LabelKey] {
			seen[s.LabelKey] = true
			rows = append(rows, map[string]any{"label_key": s.LabelKey, "labels": s.RunsOn})
		}
	}
	return insertRows(sess, "action_label_set", rows)
}
