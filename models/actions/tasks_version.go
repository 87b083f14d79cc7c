package actions

import (
	"context"
	"runtime"
	"sync"
	"weak"

	"xorm.io/xorm"

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
	Updated int64 `xorm:"updated"`
}

func (TasksVersion) TableName() string { return "action_tasks_version" }

// GetTasksVersion returns the scope's version; 0 when nothing was ever queued there.
func GetTasksVersion(ctx context.Context, ownerID, repoID int64) (int64, error) {
	var v int64
	_, err := db.GetEngine(ctx).Table("action_tasks_version").Cols("version").
		Where("owner_id = ? AND repo_id = ?", ownerID, repoID).Get(&v)
	return v, db.Wrap(err)
}

// IncreaseTasksVersion bumps the versions every runner that could serve a job
// of the repository reads: the instance's, the owner's and the repository's.
// Once the bump commits, this process's readers hear of it at once (see
// LocalTasksVersionBumps); other processes find it when they next read.
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
	db.AfterCommit(ctx, bumpsOf(db.Engine(ctx)).add)
	return nil
}

// LocalTasksVersionBumps returns how many tasks_version bumps this process
// has committed on ctx's database, and a channel closed at the next one. A
// cache of versions that saw the same count before its read has missed no
// bump made here.
func LocalTasksVersionBumps(ctx context.Context) (int64, <-chan struct{}) {
	return bumpsOf(db.Engine(ctx)).get()
}

// localBumps is kept per database handle: it describes what this process
// did to that database, like the handle's own connection pool. It holds no
// configuration and nothing a test would set, and it lets go of a handle
// that is no longer used.
var localBumps sync.Map // weak.Pointer[xorm.Engine] → *bumpCounter

type bumpCounter struct {
	mu   sync.Mutex
	n    int64
	next chan struct{}
}

func bumpsOf(e *xorm.Engine) *bumpCounter {
	key := weak.Make(e)
	if c, ok := localBumps.Load(key); ok {
		return c.(*bumpCounter)
	}
	c, loaded := localBumps.LoadOrStore(key, &bumpCounter{next: make(chan struct{})})
	if !loaded {
		runtime.AddCleanup(e, func(k weak.Pointer[xorm.Engine]) { localBumps.Delete(k) }, key)
	}
	return c.(*bumpCounter)
}

func (c *bumpCounter) add() {
	c.mu.Lock()
	c.n++
	close(c.next)
	c.next = make(chan struct{})
	c.mu.Unlock()
}

func (c *bumpCounter) get() (int64, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.next
}
