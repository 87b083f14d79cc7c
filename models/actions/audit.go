package actions

import (
	"context"

	"code.runnerhub.dev/runnerhub/models/db"
)

// AuditEvent is one change to a registration token or a runner: who made
// it, when, and from where. The scope is the token's or runner's.
type AuditEvent struct {
	ID         int64  `xorm:"pk autoincr"`
	OwnerID    int64  `xorm:"INDEX(scope) NOT NULL DEFAULT 0"`
	RepoID     int64  `xorm:"INDEX(scope) NOT NULL DEFAULT 0"`
	ActorID    int64  `xorm:"NOT NULL DEFAULT 0"` // the user; 0 for a runner or the server itself
	Actor      string `xorm:"VARCHAR(255) NOT NULL"`
	Action     string `xorm:"VARCHAR(64) NOT NULL"` // e.g. "runner.registered"
	TargetType string `xorm:"VARCHAR(32) NOT NULL"` // "registration_token" or "runner"
	TargetID   int64  `xorm:"NOT NULL DEFAULT 0"`
	TargetName string `xorm:"VARCHAR(255)"`
	Detail     string `xorm:"TEXT"`
	RemoteAddr string `xorm:"VARCHAR(64)"`
	Created    int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
}

func (AuditEvent) TableName() string { return "action_audit" }

// CreateAuditEvent stores e; it joins the transaction of the change it records.
func CreateAuditEvent(ctx context.Context, e *AuditEvent) error {
	_, err := db.GetEngine(ctx).Insert(e)
	return db.Wrap(err)
}

// FindAuditOptions selects events.
type FindAuditOptions struct {
	OwnerID, RepoID int64
	AnyScope        bool // every scope: the admin's view
	Page, PageSize  int
}

// FindAuditEvents returns events of exactly the given scope, newest first,
// and how many there are in all.
func FindAuditEvents(ctx context.Context, opts FindAuditOptions) ([]*AuditEvent, int64, error) {
	sess := db.GetEngine(ctx).Where("1 = 1")
	if !opts.AnyScope {
		sess = sess.And("owner_id = ? AND repo_id = ?", opts.OwnerID, opts.RepoID)
	}
	if opts.PageSize > 0 {
		sess = sess.Limit(opts.PageSize, (max(opts.Page, 1)-1)*opts.PageSize)
	}
	var es []*AuditEvent
	total, err := sess.OrderBy("id DESC").FindAndCount(&es)
	return es, total, db.Wrap(err)
}
