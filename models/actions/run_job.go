package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
)

// RunJob is one job of a run: what a runner executes as one task.
type RunJob struct {
	ID              int64  `xorm:"pk autoincr"`
	RunID           int64  `xorm:"INDEX NOT NULL"`
	OwnerID         int64  `xorm:"INDEX NOT NULL"`
	RepoID          int64  `xorm:"INDEX NOT NULL"`
	Name            string `xorm:"VARCHAR(255)"`
	JobID           string `xorm:"VARCHAR(255)"` // the job's key in the workflow
	Attempt         int64  `xorm:"NOT NULL DEFAULT 1"`
	WorkflowPayload string `xorm:"LONGTEXT"` // the single-job workflow the runner executes
	Needs           string `xorm:"TEXT"`     // JSON array of JobIDs
	RunsOn          string `xorm:"TEXT"`     // JSON array of label names
	IfCondition     string `xorm:"TEXT"`     // the job's `if:`; decides whether it runs after a need did not succeed
	LabelKey        string `xorm:"VARCHAR(64) NOT NULL"`
	Status          Status `xorm:"NOT NULL"`
	TaskID          int64  `xorm:"NOT NULL DEFAULT 0"`
	Version         int64  `xorm:"NOT NULL DEFAULT 0"`
	Started         int64  `xorm:"NOT NULL DEFAULT 0"`
	Stopped         int64  `xorm:"NOT NULL DEFAULT 0"`
	Queued          int64  `xorm:"NOT NULL DEFAULT 0"` // when it last became waiting: its wait for a runner starts there
	Created         int64  `xorm:"created"`
	Updated         int64  `xorm:"updated"`
}

func (RunJob) TableName() string { return "action_run_job" }

// NeedList returns the JobIDs this job waits for.
func (j *RunJob) NeedList() []string { return decodeStrings(j.Needs) }

// RunsOnList returns the label names a runner needs to take this job.
func (j *RunJob) RunsOnList() []string { return decodeStrings(j.RunsOn) }

// SetRunsOn stores the labels and their canonical key.
func (j *RunJob) SetRunsOn(labels []string) {
	canon := CanonicalLabels(labels)
	j.RunsOn = encodeStrings(canon)
	j.LabelKey = LabelKey(canon)
}

// SetNeeds stores the JobIDs this job waits for.
func (j *RunJob) SetNeeds(needs []string) { j.Needs = encodeStrings(needs) }

// CanonicalLabels sorts labels and drops duplicates, so that the same set
// always has the same key.
func CanonicalLabels(labels []string) []string {
	c := slices.Clone(labels)
	slices.Sort(c)
	return slices.Compact(c)
}

// LabelKey names a canonical label set in a fixed width, whatever the labels hold.
func LabelKey(canonical []string) string {
	h := sha256.New()
	for _, l := range canonical {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func encodeStrings(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always marshals
	return string(b)
}

func decodeStrings(s string) []string {
	var v []string
	if s != "" {
		_ = json.Unmarshal([]byte(s), &v) // written only by encodeStrings
	}
	return v
}

// CreateRunJob stores j.
func CreateRunJob(ctx context.Context, j *RunJob) error {
	if j.Status == StatusWaiting && j.Queued == 0 {
		j.Queued = time.Now().Unix()
	}
	_, err := db.GetEngine(ctx).Insert(j)
	return db.Wrap(err)
}

// GetRunJobByID returns a job.
func GetRunJobByID(ctx context.Context, id int64) (*RunJob, error) {
	j := &RunJob{}
	has, err := db.GetEngine(ctx).ID(id).Get(j)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("job %d: %w", id, db.ErrNotExist)
	}
	return j, nil
}

// GetRunJobsByRunID returns the jobs of a run in creation order.
func GetRunJobsByRunID(ctx context.Context, runID int64) ([]*RunJob, error) {
	var js []*RunJob
	err := db.GetEngine(ctx).Where("run_id = ?", runID).Asc("id").Find(&js)
	return js, db.Wrap(err)
}

// JobScope restricts a claim to what a runner may serve; zero fields do not restrict.
type JobScope struct {
	OwnerID int64
	RepoID  int64
}

// JobTargets narrows a claim further, to the repositories and owners a
// runner's selected group serves: a job of any of them will do.
type JobTargets struct {
	OwnerIDs []int64
	RepoIDs  []int64
}

// Len is how many targets there are.
func (t *JobTargets) Len() int { return len(t.OwnerIDs) + len(t.RepoIDs) }

// targetsPerStatement keeps a claim's statement within SQLite's limit of
// 500 selects in one compound select.
const targetsPerStatement = 200

// FindWaitingJobIDs returns up to limit waiting jobs with the given label key
// in the scope, oldest first: one seek on idx_action_run_job_claim, or for a
// scoped runner on idx_action_run_job_claim_owner or _repo.
func FindWaitingJobIDs(ctx context.Context, labelKey string, scope JobScope, limit int) ([]int64, error) {
	var seek claimSeek
	switch {
	case scope.RepoID != 0:
		seek = claimSeek{col: "repo_id", id: scope.RepoID}
	case scope.OwnerID != 0:
		seek = claimSeek{col: "owner_id", id: scope.OwnerID}
	}
	query, args := seek.sql(ctx, labelKey, 0, limit)
	var ids []int64
	err := db.GetEngine(ctx).SQL(query, args...).Find(&ids)
	return ids, db.Wrap(err)
}

// claimSeek is one seek for waiting jobs: on the claim index of col when
// col is set (repo_id or owner_id), else on the unscoped claim index.
type claimSeek struct {
	col string
	id  int64
}

// sql is the seek's statement for limit jobs of labelKey, oldest first.
// A repository's seek also keeps ownerID when it is set: a repository
// that moved to another owner since it was added to a group serves that
// group no longer.
func (s claimSeek) sql(ctx context.Context, labelKey string, ownerID int64, limit int) (string, []any) {
	index := "idx_action_run_job_claim"
	if s.col != "" {
		index += "_" + strings.TrimSuffix(s.col, "_id")
	}
	var b strings.Builder
	args := []any{StatusWaiting, labelKey}
	fmt.Fprintf(&b, "SELECT id FROM %s WHERE status = ? AND label_key = ?", db.TableUsingIndex(ctx, "action_run_job", index))
	if s.col != "" {
		fmt.Fprintf(&b, " AND %s = ?", s.col)
		args = append(args, s.id)
	}
	if ownerID != 0 && s.col == "repo_id" {
		b.WriteString(" AND owner_id = ?")
		args = append(args, ownerID)
	}
	fmt.Fprintf(&b, " ORDER BY id LIMIT %d", limit)
	return b.String(), args
}

// FindWaitingJobIDsOfTargets is FindWaitingJobIDs for a runner of a
// selected group: one seek per target, all in one statement, merged by id.
func FindWaitingJobIDsOfTargets(ctx context.Context, labelKey string, scope JobScope, targets *JobTargets, limit int) ([]int64, error) {
	seeks := make([]claimSeek, 0, targets.Len())
	for _, id := range targets.RepoIDs {
		seeks = append(seeks, claimSeek{"repo_id", id})
	}
	for _, id := range targets.OwnerIDs {
		seeks = append(seeks, claimSeek{"owner_id", id})
	}
	var ids []int64
	for start := 0; start < len(seeks); start += targetsPerStatement {
		chunk := seeks[start:min(start+targetsPerStatement, len(seeks))]
		var b strings.Builder
		var args []any
		for i, s := range chunk {
			if i > 0 {
				b.WriteString(" UNION ALL ")
			}
			query, a := s.sql(ctx, labelKey, scope.OwnerID, limit)
			fmt.Fprintf(&b, "SELECT id FROM (%s) c%d", query, i)
			args = append(args, a...)
		}
		fmt.Fprintf(&b, " ORDER BY id LIMIT %d", limit)
		var found []int64
		if err := db.GetEngine(ctx).SQL(b.String(), args...).Find(&found); err != nil {
			return nil, db.Wrap(err)
		}
		ids = append(ids, found...)
	}
	slices.Sort(ids)
	return ids[:min(len(ids), limit)], nil
}

// ClaimJob moves a waiting job to running. Losing the race to another
// runner is reported as false, not as an error.
func ClaimJob(ctx context.Context, jobID, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_run_job SET status = ?, started = ?, version = version + 1, updated = ? WHERE id = ? AND status = ?",
		StatusRunning, now, now, jobID, StatusWaiting)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// SetJobTask links a claimed job to its task.
func SetJobTask(ctx context.Context, jobID, taskID int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_run_job SET task_id = ? WHERE id = ?", taskID, jobID)
	return db.Wrap(err)
}

// SetJobStatus moves a job from one of the statuses in from to status, and
// reports whether it did.
func SetJobStatus(ctx context.Context, jobID int64, from []Status, status Status, now int64) (bool, error) {
	sess := db.GetEngine(ctx).Where("id = ?", jobID).In("status", from)
	cols := []string{"status", "updated"}
	upd := &RunJob{Status: status, Updated: now}
	if status.IsDone() {
		upd.Stopped = now
		cols = append(cols, "stopped")
	}
	if status == StatusWaiting {
		upd.Queued = now
		cols = append(cols, "queued")
	}
	n, err := sess.Cols(cols...).Incr("version").NoAutoTime().Update(upd)
	return n == 1, db.Wrap(err)
}
