package migrations

import (
	"fmt"
	"time"

	"xorm.io/xorm"
)

// The runner groups as version 25 created them. Frozen: later changes are new steps.

// v0025ActionRunnerGroup is a group of an owner's (OwnerID set) or the
// instance's (OwnerID 0) runners. Each has one default group, which every
// runner of the scope is in unless put elsewhere.
type v0025ActionRunnerGroup struct {
	ID         int64  `xorm:"pk autoincr"`
	OwnerID    int64  `xorm:"UNIQUE(owner_name) NOT NULL DEFAULT 0"`
	LowerName  string `xorm:"VARCHAR(255) UNIQUE(owner_name) NOT NULL"`
	Name       string `xorm:"VARCHAR(255) NOT NULL"`
	Visibility string `xorm:"VARCHAR(16) NOT NULL DEFAULT 'all'"`
	IsDefault  bool   `xorm:"NOT NULL DEFAULT false"`
	Version    int64  `xorm:"NOT NULL DEFAULT 0"`
	Created    int64  `xorm:"created"`
	Updated    int64  `xorm:"updated"`
}

func (v0025ActionRunnerGroup) TableName() string { return "action_runner_group" }

// v0025ActionRunnerGroupTarget is a repository (RepoID set) or, for an
// instance group, an organization (RepoID 0) a selected group serves.
type v0025ActionRunnerGroupTarget struct {
	ID      int64 `xorm:"pk autoincr"`
	GroupID int64 `xorm:"UNIQUE(target) NOT NULL"`
	OwnerID int64 `xorm:"UNIQUE(target) NOT NULL DEFAULT 0"`
	RepoID  int64 `xorm:"UNIQUE(target) NOT NULL DEFAULT 0"`
}

func (v0025ActionRunnerGroupTarget) TableName() string { return "action_runner_group_target" }

// v0025ActionRunnerGroupManager makes a user a manager of one group.
type v0025ActionRunnerGroupManager struct {
	ID      int64 `xorm:"pk autoincr"`
	GroupID int64 `xorm:"UNIQUE(group_user) NOT NULL"`
	UserID  int64 `xorm:"UNIQUE(group_user) INDEX NOT NULL"`
	Created int64 `xorm:"created"`
}

func (v0025ActionRunnerGroupManager) TableName() string { return "action_runner_group_manager" }

type v0025ActionRunner struct {
	RunnerGroupID int64 `xorm:"NOT NULL DEFAULT 0"`
}

func (v0025ActionRunner) TableName() string { return "action_runner" }

type v0025ActionRunnerToken struct {
	RunnerGroupID int64 `xorm:"NOT NULL DEFAULT 0"`
}

func (v0025ActionRunnerToken) TableName() string { return "action_runner_token" }

// v0025ActionTasksVersion counts, per scope, the changes of its runner
// groups; a process's copy of a runner's group is good while it is unchanged.
type v0025ActionTasksVersion struct {
	GroupsVersion int64 `xorm:"NOT NULL DEFAULT 0"`
}

func (v0025ActionTasksVersion) TableName() string { return "action_tasks_version" }

// v0025CreateRunnerGroups adds the groups, their targets and managers, and
// puts every existing instance and owner runner into its scope's default
// group, made here for the instance and for every owner that has runners.
// Repository runners belong to no group.
func v0025CreateRunnerGroups(x *xorm.Engine) error {
	if err := x.Sync(new(v0025ActionRunnerGroup), new(v0025ActionRunnerGroupTarget), new(v0025ActionRunnerGroupManager)); err != nil {
		return err
	}
	if err := addColumns(x, new(v0025ActionRunner), new(v0025ActionRunnerToken), new(v0025ActionTasksVersion)); err != nil {
		return err
	}
	if _, err := x.Exec("CREATE INDEX idx_action_runner_runner_group_id ON action_runner (runner_group_id)"); err != nil {
		return fmt.Errorf("index runners by group: %w", err)
	}
	var owners []int64
	if err := x.SQL("SELECT DISTINCT owner_id FROM action_runner WHERE repo_id = 0 AND owner_id <> 0 ORDER BY owner_id").Find(&owners); err != nil {
		return fmt.Errorf("list owners with runners: %w", err)
	}
	now := time.Now().Unix()
	for _, owner := range append([]int64{0}, owners...) {
		if _, err := x.Exec("INSERT INTO action_runner_group (owner_id, lower_name, name, visibility, is_default, version, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			owner, "default", "Default", "all", true, 0, now, now); err != nil {
			return fmt.Errorf("default runner group of owner %d: %w", owner, err)
		}
	}
	_, err := x.Exec("UPDATE action_runner SET runner_group_id = (SELECT g.id FROM action_runner_group g WHERE g.owner_id = action_runner.owner_id AND g.is_default = ?) WHERE repo_id = 0", true)
	return err
}
