package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Runner group visibilities, GitHub's words: a group serves every
// repository of its scope, or only the ones selected for it.
const (
	GroupVisibilityAll      = "all"
	GroupVisibilitySelected = "selected"
)

// DefaultRunnerGroupName is the name of every scope's default group, as GitHub names it.
const DefaultRunnerGroupName = "Default"

// RunnerGroup is a group of an owner's (OwnerID set) or the instance's
// (OwnerID 0) runners. Every such scope has one default group, which its
// runners are in unless put elsewhere; repository runners are in none.
type RunnerGroup struct {
	ID         int64  `xorm:"pk autoincr"`
	OwnerID    int64  `xorm:"UNIQUE(owner_name) NOT NULL DEFAULT 0"`
	LowerName  string `xorm:"VARCHAR(255) UNIQUE(owner_name) NOT NULL"`
	Name       string `xorm:"VARCHAR(255) NOT NULL"`
	Visibility string `xorm:"VARCHAR(16) NOT NULL DEFAULT 'all'"`
	IsDefault  bool   `xorm:"NOT NULL DEFAULT false"`
	// Version counts changes of what the group serves (visibility,
	// targets), so that a copy of its targets can be named by it.
	Version int64 `xorm:"NOT NULL DEFAULT 0"`
	Created int64 `xorm:"created"`
	Updated int64 `xorm:"updated"`
}

func (RunnerGroup) TableName() string { return "action_runner_group" }

// IsSelected reports whether the group serves only its selected targets.
func (g *RunnerGroup) IsSelected() bool { return g.Visibility == GroupVisibilitySelected }

// RunnerGroupTarget is what a selected group serves: a repository (RepoID
// set, OwnerID its owner) or, for an instance group, an organization (RepoID 0).
type RunnerGroupTarget struct {
	ID      int64 `xorm:"pk autoincr"`
	GroupID int64 `xorm:"UNIQUE(target) NOT NULL"`
	OwnerID int64 `xorm:"UNIQUE(target) NOT NULL DEFAULT 0"`
	RepoID  int64 `xorm:"UNIQUE(target) NOT NULL DEFAULT 0"`
}

func (RunnerGroupTarget) TableName() string { return "action_runner_group_target" }

// RunnerGroupManager makes a user a manager of one group (SPEC §9).
type RunnerGroupManager struct {
	ID      int64 `xorm:"pk autoincr"`
	GroupID int64 `xorm:"UNIQUE(group_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(group_user) INDEX NOT NULL"`
	Created int64 `xorm:"created"`
}

func (RunnerGroupManager) TableName() string { return "action_runner_group_manager" }

// CreateRunnerGroup stores g; a group of the same name in the scope makes
// it fail on the unique key, which callers check for first.
func CreateRunnerGroup(ctx context.Context, g *RunnerGroup) error {
	g.LowerName = strings.ToLower(g.Name)
	_, err := db.GetEngine(ctx).Insert(g)
	return db.Wrap(err)
}

// EnsureDefaultRunnerGroup returns the scope's default group, making it on
// first use. Concurrent first uses make one.
func EnsureDefaultRunnerGroup(ctx context.Context, ownerID int64) (*RunnerGroup, error) {
	if g, err := getDefaultRunnerGroup(ctx, ownerID, false); err == nil || !isNotExist(err) {
		return g, err
	}
	now := time.Now().Unix()
	if err := db.InsertIgnore(ctx, "action_runner_group",
		[]string{"owner_id", "lower_name", "name", "visibility", "is_default", "version", "created", "updated"},
		ownerID, strings.ToLower(DefaultRunnerGroupName), DefaultRunnerGroupName, GroupVisibilityAll, true, 0, now, now); err != nil {
		return nil, err
	}
	// When a concurrent transaction made it, the insert waited for that one
	// to commit; a locking read sees its row where MySQL's snapshot would not.
	return getDefaultRunnerGroup(ctx, ownerID, true)
}

func getDefaultRunnerGroup(ctx context.Context, ownerID int64, latest bool) (*RunnerGroup, error) {
	g := &RunnerGroup{}
	sess := db.GetEngine(ctx).Where("owner_id = ? AND is_default = ?", ownerID, true)
	if latest && db.Engine(ctx).DriverName() != "sqlite3" { // SQLite runs one writing transaction at a time
		sess = sess.ForUpdate()
	}
	has, err := sess.Get(g)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("default runner group of owner %d: %w", ownerID, db.ErrNotExist)
	}
	return g, nil
}

// GetRunnerGroupByID returns a group.
func GetRunnerGroupByID(ctx context.Context, id int64) (*RunnerGroup, error) {
	g := &RunnerGroup{}
	has, err := db.GetEngine(ctx).ID(id).Get(g)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("runner group %d: %w", id, db.ErrNotExist)
	}
	return g, nil
}

// GetRunnerGroupByName returns the scope's group of that name, ignoring case.
func GetRunnerGroupByName(ctx context.Context, ownerID int64, name string) (*RunnerGroup, error) {
	g := &RunnerGroup{}
	has, err := db.GetEngine(ctx).Where("owner_id = ? AND lower_name = ?", ownerID, strings.ToLower(name)).Get(g)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("runner group %q: %w", name, db.ErrNotExist)
	}
	return g, nil
}

// GetRunnerGroupsByIDs returns groups keyed by id.
func GetRunnerGroupsByIDs(ctx context.Context, ids []int64) (map[int64]*RunnerGroup, error) {
	out := map[int64]*RunnerGroup{}
	if len(ids) == 0 {
		return out, nil
	}
	var gs []*RunnerGroup
	if err := db.GetEngine(ctx).In("id", ids).Find(&gs); err != nil {
		return nil, db.Wrap(err)
	}
	for _, g := range gs {
		out[g.ID] = g
	}
	return out, nil
}

// FindRunnerGroupOptions selects groups.
type FindRunnerGroupOptions struct {
	OwnerID int64
	// IDs, when not nil, keeps only these groups (a manager's view).
	IDs            []int64
	Page, PageSize int
}

// FindRunnerGroups returns the scope's groups, the default first, and how
// many there are in all.
func FindRunnerGroups(ctx context.Context, opts FindRunnerGroupOptions) ([]*RunnerGroup, int64, error) {
	sess := db.GetEngine(ctx).Where("owner_id = ?", opts.OwnerID)
	if opts.IDs != nil {
		if len(opts.IDs) == 0 {
			return nil, 0, nil
		}
		sess = sess.In("id", opts.IDs)
	}
	if opts.PageSize > 0 {
		sess = sess.Limit(opts.PageSize, (max(opts.Page, 1)-1)*opts.PageSize)
	}
	var gs []*RunnerGroup
	total, err := sess.OrderBy("is_default DESC, id").FindAndCount(&gs)
	return gs, total, db.Wrap(err)
}

// UpdateRunnerGroup writes the named columns of g and counts a change of
// what it serves.
func UpdateRunnerGroup(ctx context.Context, g *RunnerGroup, cols ...string) error {
	g.LowerName = strings.ToLower(g.Name)
	g.Version++
	_, err := db.GetEngine(ctx).ID(g.ID).Cols(append(cols, "lower_name", "version", "updated")...).Update(g)
	return db.Wrap(err)
}

// TouchRunnerGroupVersion counts a change of the group's targets.
func TouchRunnerGroupVersion(ctx context.Context, id int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_runner_group SET version = version + 1, updated = ? WHERE id = ?", time.Now().Unix(), id)
	return db.Wrap(err)
}

// DeleteRunnerGroup removes the group with its targets and managers.
func DeleteRunnerGroup(ctx context.Context, id int64) error {
	for _, stmt := range []string{
		"DELETE FROM action_runner_group_target WHERE group_id = ?",
		"DELETE FROM action_runner_group_manager WHERE group_id = ?",
		"DELETE FROM action_runner_group WHERE id = ?",
	} {
		if _, err := db.GetEngine(ctx).Exec(stmt, id); err != nil {
			return db.Wrap(err)
		}
	}
	return nil
}

// GetRunnerGroupTargets returns the group's targets in the order added.
func GetRunnerGroupTargets(ctx context.Context, groupID int64) ([]*RunnerGroupTarget, error) {
	var ts []*RunnerGroupTarget
	err := db.GetEngine(ctx).Where("group_id = ?", groupID).Asc("id").Find(&ts)
	return ts, db.Wrap(err)
}

// TargetKind says which of a group's targets a call is about.
type TargetKind int

const (
	TargetRepos TargetKind = iota // repositories: RepoID set
	TargetOrgs                    // organizations: RepoID 0
)

func (k TargetKind) cond() string {
	if k == TargetOrgs {
		return "repo_id = 0"
	}
	return "repo_id <> 0"
}

// FindRunnerGroupTargets returns a page of the group's targets of kind and how many there are.
func FindRunnerGroupTargets(ctx context.Context, groupID int64, kind TargetKind, page, pageSize int) ([]*RunnerGroupTarget, int64, error) {
	sess := db.GetEngine(ctx).Where("group_id = ?", groupID).And(kind.cond())
	if pageSize > 0 {
		sess = sess.Limit(pageSize, (max(page, 1)-1)*pageSize)
	}
	var ts []*RunnerGroupTarget
	total, err := sess.Asc("id").FindAndCount(&ts)
	return ts, total, db.Wrap(err)
}

// CountRunnerGroupTargets counts the group's targets of both kinds.
func CountRunnerGroupTargets(ctx context.Context, groupID int64) (int64, error) {
	n, err := db.GetEngine(ctx).Where("group_id = ?", groupID).Count(new(RunnerGroupTarget))
	return n, db.Wrap(err)
}

// AddRunnerGroupTarget adds a target; one the group has already is left as it is.
// It reports whether it was added.
func AddRunnerGroupTarget(ctx context.Context, groupID, ownerID, repoID int64) (bool, error) {
	n, err := db.GetEngine(ctx).Where("group_id = ? AND owner_id = ? AND repo_id = ?", groupID, ownerID, repoID).Count(new(RunnerGroupTarget))
	if err != nil || n > 0 {
		return false, db.Wrap(err)
	}
	_, err = db.GetEngine(ctx).Insert(&RunnerGroupTarget{GroupID: groupID, OwnerID: ownerID, RepoID: repoID})
	return err == nil, db.Wrap(err)
}

// RemoveRunnerGroupTarget removes a target and reports whether the group had it.
func RemoveRunnerGroupTarget(ctx context.Context, groupID, ownerID, repoID int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec("DELETE FROM action_runner_group_target WHERE group_id = ? AND owner_id = ? AND repo_id = ?", groupID, ownerID, repoID)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n > 0, db.Wrap(err)
}

// ClearRunnerGroupTargets removes every target of kind, before a set replaces them.
func ClearRunnerGroupTargets(ctx context.Context, groupID int64, kind TargetKind) error {
	_, err := db.GetEngine(ctx).Exec("DELETE FROM action_runner_group_target WHERE group_id = ? AND "+kind.cond(), groupID)
	return db.Wrap(err)
}

// GroupRoute is what a runner's group lets it take, read in one statement
// so that Version names exactly these targets.
type GroupRoute struct {
	GroupID    int64
	Version    int64
	Visibility string
	Targets    JobTargets
}

// GetRunnerRoute reads the group a live runner is in now and what that
// group serves. A runner in no group (a repository runner) has GroupID 0.
func GetRunnerRoute(ctx context.Context, runnerID int64) (*GroupRoute, error) {
	type row struct {
		RunnerGroupID int64
		Version       int64
		Visibility    string
		OwnerID       int64
		RepoID        int64
	}
	var rows []row
	err := db.GetEngine(ctx).SQL(
		"SELECT r.runner_group_id, COALESCE(g.version, 0) AS version, COALESCE(g.visibility, ?) AS visibility, "+
			"COALESCE(t.owner_id, 0) AS owner_id, COALESCE(t.repo_id, 0) AS repo_id "+
			"FROM action_runner r LEFT JOIN action_runner_group g ON g.id = r.runner_group_id "+
			"LEFT JOIN action_runner_group_target t ON t.group_id = g.id AND g.visibility = ? "+
			"WHERE r.id = ?", GroupVisibilityAll, GroupVisibilitySelected, runnerID).Find(&rows)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("runner %d: %w", runnerID, db.ErrNotExist)
	}
	rt := &GroupRoute{GroupID: rows[0].RunnerGroupID, Version: rows[0].Version, Visibility: rows[0].Visibility}
	for _, r := range rows {
		switch {
		case r.RepoID != 0:
			rt.Targets.RepoIDs = append(rt.Targets.RepoIDs, r.RepoID)
		case r.OwnerID != 0:
			rt.Targets.OwnerIDs = append(rt.Targets.OwnerIDs, r.OwnerID)
		}
	}
	return rt, nil
}

// AddRunnerGroupManager makes the user a manager of the group; it reports
// false when they were one already.
func AddRunnerGroupManager(ctx context.Context, groupID, userID int64) (bool, error) {
	ok, err := IsRunnerGroupManager(ctx, groupID, userID)
	if err != nil || ok {
		return false, err
	}
	_, err = db.GetEngine(ctx).Insert(&RunnerGroupManager{GroupID: groupID, UserID: userID})
	return err == nil, db.Wrap(err)
}

// RemoveRunnerGroupManager reports whether the user was a manager of the group.
func RemoveRunnerGroupManager(ctx context.Context, groupID, userID int64) (bool, error) {
	res, err := db.GetEngine(ctx).Exec("DELETE FROM action_runner_group_manager WHERE group_id = ? AND user_id = ?", groupID, userID)
	if err != nil {
		return false, db.Wrap(err)
	}
	n, err := res.RowsAffected()
	return n > 0, db.Wrap(err)
}

// IsRunnerGroupManager reports whether the user manages the group.
func IsRunnerGroupManager(ctx context.Context, groupID, userID int64) (bool, error) {
	n, err := db.GetEngine(ctx).Where("group_id = ? AND user_id = ?", groupID, userID).Count(new(RunnerGroupManager))
	return n > 0, db.Wrap(err)
}

// FindRunnerGroupManagers returns a page of the user ids of the group's
// managers in the order added, and how many there are.
func FindRunnerGroupManagers(ctx context.Context, groupID int64, page db.Page) ([]int64, int64, error) {
	var ids []int64
	sess := db.GetEngine(ctx).Table("action_runner_group_manager").Cols("user_id").Where("group_id = ?", groupID).Asc("id")
	total, err := page.Apply(sess).FindAndCount(&ids)
	return ids, total, db.Wrap(err)
}

// FindGroupsManagedBy returns the groups the user manages, of one owner
// (ownerID >= 0; 0 is the instance) or of every scope (ownerID < 0).
func FindGroupsManagedBy(ctx context.Context, userID, ownerID int64) ([]*RunnerGroup, error) {
	sess := db.GetEngine(ctx).Table("action_runner_group").Alias("g").
		Join("INNER", []string{"action_runner_group_manager", "m"}, "m.group_id = g.id").
		Where("m.user_id = ?", userID)
	if ownerID >= 0 {
		sess = sess.And("g.owner_id = ?", ownerID)
	}
	var gs []*RunnerGroup
	err := sess.Select("g.*").OrderBy("g.owner_id, g.id").Find(&gs)
	return gs, db.Wrap(err)
}

// SetRunnersGroup moves live runners into the group and reports how many moved.
func SetRunnersGroup(ctx context.Context, runnerIDs []int64, groupID int64) (int64, error) {
	if len(runnerIDs) == 0 {
		return 0, nil
	}
	n, err := db.GetEngine(ctx).In("id", runnerIDs).And("deleted = 0").Cols("runner_group_id").NoAutoTime().
		Update(&Runner{RunnerGroupID: groupID})
	return n, db.Wrap(err)
}

// MoveGroupRunners moves every runner of one group, removed ones too, into another.
func MoveGroupRunners(ctx context.Context, from, to int64) error {
	_, err := db.GetEngine(ctx).Exec("UPDATE action_runner SET runner_group_id = ? WHERE runner_group_id = ?", to, from)
	return db.Wrap(err)
}

// FindGroupRunnerIDs returns the live runners of a group, with their uuids.
func FindGroupRunnerIDs(ctx context.Context, groupID int64) (map[int64]string, error) {
	var rs []*Runner
	if err := db.GetEngine(ctx).Cols("id", "uuid").Where("runner_group_id = ? AND deleted = 0", groupID).Find(&rs); err != nil {
		return nil, db.Wrap(err)
	}
	out := make(map[int64]string, len(rs))
	for _, r := range rs {
		out[r.ID] = r.UUID
	}
	return out, nil
}

func isNotExist(err error) bool { return errors.Is(err, db.ErrNotExist) }
