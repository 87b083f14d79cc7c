package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// TasksVersion counts, per scope, how often a job became waiting. A runner
// that has seen the current count of its scope has nothing new to look for.
// Every bump also bumps the instance's row (owner 0, repo 0), so that row
// changes whenever any scope's does: a reader that finds it unchanged knows
// no scope changed.
type TasksVersion struct {
	ID      int64 `xorm:"pk autoincr"`
	OwnerID int64 `xorm:"UNIQUE(owner_repo) NOT NULL"`
	RepoID  int64 `xorm:"UNIQUE(owner_repo) NOT NULL"`
	Version int64 `xorm:"NOT NULL DEFAULT 0"`
	// GroupsVersion counts changes to the scope's runner groups (what they
	// serve, which runners are in them); each also bumps Version.
	GroupsVersion int64 `xorm:"NOT NULL DEFAULT 0"`
	Updated       int64 `xorm:"updated"`
}

func (TasksVersion) TableName() string { return "action_tasks_version" }

// GetTasksVersion returns the scope's version; 0 when nothing was ever queued there.
func GetTasksVersion(ctx context.Context, ownerID, repoID int64) (int64, error) {
	v, _, err := GetTasksVersions(ctx, ownerID, repoID)
	return v, err
}

// GetTasksVersions returns the scope's version and its runner groups'
// version; 0 when nothing was ever queued or changed there.
func GetTasksVersions(ctx context.Context, ownerID, repoID int64) (version, groups int64, err error) {
	var row TasksVersion
	_, err = db.GetEngine(ctx).Cols("version", "groups_version").
		Where("owner_id = ? AND repo_id = ?", ownerID, repoID).Get(&row)
	return row.Version, row.GroupsVersion, db.Wrap(err)
}

// IncreaseGroupsVersion counts a change to the runner groups of an owner
// (0: the instance) and bumps the versions its runners and every process
// read, so that idle runners look again with the groups as they are now.
func IncreaseGroupsVersion(ctx context.Context, ownerID int64) error {
	for _, owner := range []int64{0, ownerID} {
		if err := db.InsertIgnore(ctx, "action_tasks_version", []string{"owner_id", "repo_id", "version"}, owner, 0, 0); err != nil {
			return err
		}
	}
	if _, err := db.GetEngine(ctx).Exec(
		"UPDATE action_tasks_version SET version = version + 1, groups_version = groups_version + 1 WHERE owner_id = ? AND repo_id = 0", ownerID); err != nil {
		return db.Wrap(err)
	}
	if ownerID == 0 {
		return nil
	}
	_, err := db.GetEngine(ctx).Exec("UPDATE action_tasks_version SET version = version + 1 WHERE owner_id = 0 AND repo_id = 0")
	return db.Wrap(err)
}

// IncreaseTasksVersion bumps the versions every runner that could serve a job
// of the repository reads: the instance's, the owner's and the repository's.
// Readers in other processes find the bump when they next read; the service
// that calls this tells its own readers after commit.
func IncreaseTasksVersion(ctx context.Context, ownerID, repoID int64) error {
	for _, s := range [][2]int64{{0, 0}, {ownerID, 0}, {ownerID, repoID}} {
		if err := db.InsertIgnore(ctx, "action_tasks_version", []string{"owner_id", "repo_id", "version"}, s[0], s[1], 0); err != nil {
			return err
		}
		if _, err := db.GetEngine(ctx).Exec(
			"UPDATE action_tasks_version SET version = version + 1 WHERE owner_id = ? AND repo_id = ?", s[0], s[1]); err != nil {
			return db.Wrap(err)
		}
	}
	return nil
}
