package actions

import (
	"context"
	"fmt"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Runner is a registered act_runner. Its scope is the instance (OwnerID and
// RepoID 0), one owner (OwnerID set) or one repository (RepoID set).
type Runner struct {
	ID        int64  `xorm:"pk autoincr"`
	UUID      string `xorm:"VARCHAR(36) UNIQUE NOT NULL"`
	Name      string `xorm:"VARCHAR(255) NOT NULL"`
	Version   string `xorm:"VARCHAR(64)"`
	OwnerID   int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID    int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	TokenHash string `xorm:"VARCHAR(64) NOT NULL"`
	// LegacyTokenHash is the salted PBKDF2 hash Gitea kept of a runner it
	// registered, until the runner's first call replaces it with TokenHash.
	LegacyTokenHash     string `xorm:"VARCHAR(255) NOT NULL DEFAULT ''"`
	RegistrationTokenID int64  `xorm:"NOT NULL DEFAULT 0"`
	Labels              string `xorm:"TEXT"` // JSON array of labels as the runner declared them
	Disabled            bool   `xorm:"NOT NULL DEFAULT false"`
	RunnerGroupID       int64  `xorm:"INDEX NOT NULL DEFAULT 0"` // its scope's runner group; 0 for a repository runner
	Ephemeral           bool   `xorm:"NOT NULL DEFAULT false"`
	// JIT marks a runner made from a JIT config: created ephemeral and
	// registered by the server, removed sooner than other ephemeral runners
	// when it never takes its job.
	JIT          bool   `xorm:"'jit' NOT NULL DEFAULT false"`
	Capabilities string `xorm:"TEXT"`               // JSON array of what the runner says it supports
	TaskCount    int64  `xorm:"NOT NULL DEFAULT 0"` // tasks ever claimed
	LastOnline   int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	LastActive   int64  `xorm:"NOT NULL DEFAULT 0"`
	Created      int64  `xorm:"created"`
	Updated      int64  `xorm:"updated"`
	Deleted      int64  `xorm:"INDEX NOT NULL DEFAULT 0"` // unix time of removal; 0 while live
}

func (Runner) TableName() string { return "action_runner" }

// IsDeleted reports whether the runner was removed (deregistered, deleted or
// retired after its ephemeral job).
func (r *Runner) IsDeleted() bool { return r.Deleted != 0 }

// LabelList returns the labels as declared, e.g. "ubuntu-latest:docker://node:20".
func (r *Runner) LabelList() []string { return decodeStrings(r.Labels) }

// LabelNames returns the names jobs match against: each label up to its
// first colon, which act_runner uses to say how the job runs.
func (r *Runner) LabelNames() []string {
	ls := r.LabelList()
	names := make([]string, 0, len(ls))
	for _, l := range ls {
		name, _, _ := strings.Cut(l, ":")
		names = append(names, name)
	}
	return names
}

// CapabilityList returns what the runner declared it supports.
func (r *Runner) CapabilityList() []string { return decodeStrings(r.Capabilities) }

// SetCapabilities stores what the runner declared it supports.
func (r *Runner) SetCapabilities(c []string) { r.Capabilities = encodeStrings(c) }

// SetLabels stores the declared labels.
func (r *Runner) SetLabels(labels []string) { r.Labels = encodeStrings(labels) }

// IsOnline reports whether the runner was in touch within offlineAfter.
func (r *Runner) IsOnline(now time.Time, offlineAfter time.Duration) bool {
	return r.LastOnline > 0 && now.Unix()-r.LastOnline < int64(offlineAfter/time.Second)
}

// CreateRunner stores a new runner.
func CreateRunner(ctx context.Context, r *Runner) error {
	_, err := db.GetEngine(ctx).Insert(r)
	return db.Wrap(err)
}

// GetRunnerByUUID returns the runner with uuid, removed or not; callers decide
// what a removed runner may still do.
func GetRunnerByUUID(ctx context.Context, uuid string) (*Runner, error) {
	r := &Runner{}
	has, err := db.GetEngine(ctx).Where("uuid = ?", uuid).Get(r)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("runner %q: %w", uuid, db.ErrNotExist)
	}
	return r, nil
}

// GetRunnerByID returns a live runner.
func GetRunnerByID(ctx context.Context, id int64) (*Runner, error) {
	r := &Runner{}
	has, err := db.GetEngine(ctx).Where("id = ? AND deleted = 0", id).Get(r)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("runner %d: %w", id, db.ErrNotExist)
	}
	return r, nil
}

// FindRunnerOptions filters live runners.
type FindRunnerOptions struct {
	OwnerID        int64
	RepoID         int64
	AnyScope       bool  // every live runner, whatever OwnerID and RepoID say: the admin's view
	GroupID        int64 // when set, only the runners of this group (of the scope)
	Page, PageSize int
}

// FindRunners returns live runners of exactly the given scope, newest first,
// and how many there are in all.
func FindRunners(ctx context.Context, opts FindRunnerOptions) ([]*Runner, int64, error) {
	sess := db.GetEngine(ctx).Where("deleted = 0")
	if !opts.AnyScope {
		sess = sess.And("owner_id = ? AND repo_id = ?", opts.OwnerID, opts.RepoID)
	}
	if opts.GroupID != 0 {
		sess = sess.And("runner_group_id = ?", opts.GroupID)
	}
	if opts.PageSize > 0 {
		page := max(opts.Page, 1)
		sess = sess.Limit(opts.PageSize, (page-1)*opts.PageSize)
	}
	var rs []*Runner
	total, err := sess.OrderBy("id DESC").FindAndCount(&rs)
	return rs, total, db.Wrap(err)
}

// UpdateRunner writes the named columns of r.
func UpdateRunner(ctx context.Context, r *Runner, cols ...string) error {
	_, err := db.GetEngine(ctx).ID(r.ID).Cols(cols...).NoAutoTime().Update(r)
	return db.Wrap(err)
}

// TouchRunner records that the runner was in touch at now.
func TouchRunner(ctx context.Context, id, now int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_runner SET last_online = ? WHERE id = ?", now, id)
	return db.Wrap(err)
}

// DeleteRunner removes a live runner; it reports false when the runner was
// already gone.
func DeleteRunner(ctx context.Context, id, now int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec("UPDATE action_runner SET deleted = ? WHERE id = ? AND deleted = 0", now, id)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}

// ClaimTaskSlot counts one more task for the runner. For an ephemeral runner
// it succeeds only for the first task ever, which is what makes "one job,
// ever" hold under any number of concurrent polls and server processes.
func ClaimTaskSlot(ctx context.Context, r *Runner) (bool, error) {
	cond := "id = ? AND deleted = 0 AND disabled = ?"
	if r.Ephemeral {
		cond += " AND task_count = 0"
	}
	res, err := db.GetEngine(ctx).Exec("UPDATE action_runner SET task_count = task_count + 1 WHERE "+cond, r.ID, false)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, db.Wrap(err)
}
