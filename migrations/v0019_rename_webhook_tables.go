package migrations

import (
	"fmt"

	"xorm.io/xorm"
)

// Gitea has tables named "webhook" and "hook_task" of its own, with other
// columns. So that a database Runnerhub shares with Gitea and a standalone
// one name everything alike, Runnerhub's move to "action_webhook" and
// "action_hook_task", keeping their rows and ids.

type v0019ActionWebhook struct {
	ID           int64  `xorm:"pk autoincr"`
	OwnerID      int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID       int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	Type         string `xorm:"VARCHAR(16) NOT NULL"`
	URL          string `xorm:"TEXT NOT NULL"`
	ContentType  string `xorm:"VARCHAR(16) NOT NULL"`
	SecretCipher string `xorm:"TEXT"`
	Events       string `xorm:"TEXT"`
	IsActive     bool   `xorm:"NOT NULL DEFAULT true"`
	CreatedBy    int64  `xorm:"NOT NULL DEFAULT 0"`
	Created      int64  `xorm:"created"`
	Updated      int64  `xorm:"updated"`
}

func (v0019ActionWebhook) TableName() string { return "action_webhook" }

type v0019ActionHookTask struct {
	ID             int64  `xorm:"pk autoincr"`
	HookID         int64  `xorm:"INDEX(hook_job) NOT NULL"`
	JobID          int64  `xorm:"INDEX(hook_job) NOT NULL DEFAULT 0"`
	DeliveryUUID   string `xorm:"VARCHAR(36) INDEX NOT NULL"`
	Event          string `xorm:"VARCHAR(64) NOT NULL"`
	Action         string `xorm:"VARCHAR(32) NOT NULL"`
	Payload        string `xorm:"LONGTEXT"`
	IsRedelivery   bool   `xorm:"NOT NULL DEFAULT false"`
	Status         int    `xorm:"INDEX(due) NOT NULL"`
	NextAttempt    int64  `xorm:"INDEX(due) NOT NULL DEFAULT 0"`
	LeaseUntil     int64  `xorm:"NOT NULL DEFAULT 0"`
	Attempts       int    `xorm:"NOT NULL DEFAULT 0"`
	RequestHeaders string `xorm:"TEXT"`
	ResponseStatus int    `xorm:"NOT NULL DEFAULT 0"`
	ResponseBody   string `xorm:"TEXT"`
	LastError      string `xorm:"TEXT"`
	DurationMS     int64  `xorm:"NOT NULL DEFAULT 0"`
	Delivered      int64  `xorm:"NOT NULL DEFAULT 0"`
	Created        int64  `xorm:"created"`
}

func (v0019ActionHookTask) TableName() string { return "action_hook_task" }

var (
	v0019WebhookColumns = []string{"id", "owner_id", "repo_id", "type", "url", "content_type", "secret_cipher",
		"events", "is_active", "created_by", "created", "updated"}
	v0019HookTaskColumns = []string{"id", "hook_id", "job_id", "delivery_uuid", "event", "action", "payload",
		"is_redelivery", "status", "next_attempt", "lease_until", "attempts", "request_headers", "response_status",
		"response_body", "last_error", "duration_ms", "delivered", "created"}
)

func v0019RenameWebhookTables(x *xorm.Engine) error {
	if err := x.Sync(new(v0019ActionWebhook), new(v0019ActionHookTask)); err != nil {
		return err
	}
	for _, m := range []struct {
		from, to, marker string
		cols             []string
	}{
		// The marker is a column only Runnerhub's table of that name has: a
		// "webhook" or "hook_task" without it is Gitea's and stays.
		{"webhook", "action_webhook", "secret_cipher", v0019WebhookColumns},
		{"hook_task", "action_hook_task", "lease_until", v0019HookTaskColumns},
	} {
		ours, err := hasColumn(x, m.from, m.marker)
		if err != nil {
			return err
		}
		if !ours {
			continue
		}
		if err := moveRows(x, m.from, m.to, m.cols); err != nil {
			return fmt.Errorf("move %s to %s: %w", m.from, m.to, err)
		}
	}
	return nil
}
