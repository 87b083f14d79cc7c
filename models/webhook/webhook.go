// Package webhook holds the webhooks of every scope (table action_webhook)
// and the action_hook_task outbox their deliveries go through. Functions join
// the transaction carried by ctx.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Webhook sends events to a URL. Its scope is a repository (RepoID set, with
// its OwnerID), an owner (OwnerID set, RepoID 0) or the whole system (both 0).
type Webhook struct {
	ID           int64  `xorm:"pk autoincr"`
	OwnerID      int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	RepoID       int64  `xorm:"INDEX NOT NULL DEFAULT 0"`
	Type         string `xorm:"VARCHAR(16) NOT NULL"` // always "gitea": the payload shape
	URL          string `xorm:"TEXT NOT NULL"`
	ContentType  string `xorm:"VARCHAR(16) NOT NULL"` // "json" or "form"
	SecretCipher string `xorm:"TEXT"`                 // the signing secret, sealed; empty when none
	Events       string `xorm:"TEXT"`                 // JSON array of event names
	IsActive     bool   `xorm:"NOT NULL DEFAULT true"`
	CreatedBy    int64  `xorm:"NOT NULL DEFAULT 0"`
	Created      int64  `xorm:"created"`
	Updated      int64  `xorm:"updated"`
}

func (Webhook) TableName() string { return "action_webhook" }

// EventList returns the events the webhook subscribes to.
func (w *Webhook) EventList() []string {
	var v []string
	if w.Events != "" {
		_ = json.Unmarshal([]byte(w.Events), &v) // written only by SetEvents
	}
	return v
}

// SetEvents stores the events the webhook subscribes to.
func (w *Webhook) SetEvents(events []string) {
	if events == nil {
		events = []string{}
	}
	b, _ := json.Marshal(events) // a []string always marshals
	w.Events = string(b)
}

// HasEvent reports whether the webhook subscribes to event.
func (w *Webhook) HasEvent(event string) bool { return slices.Contains(w.EventList(), event) }

// CreateWebhook stores w.
func CreateWebhook(ctx context.Context, w *Webhook) error {
	_, err := db.GetEngine(ctx).Insert(w)
	return db.Wrap(err)
}

// GetWebhookByID returns a webhook.
func GetWebhookByID(ctx context.Context, id int64) (*Webhook, error) {
	w := &Webhook{}
	has, err := db.GetEngine(ctx).ID(id).Get(w)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("webhook %d: %w", id, db.ErrNotExist)
	}
	return w, nil
}

// GetWebhookInScope returns the webhook with id only if it lives exactly in scope.
func GetWebhookInScope(ctx context.Context, ownerID, repoID, id int64) (*Webhook, error) {
	w, err := GetWebhookByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.OwnerID != ownerID || w.RepoID != repoID {
		return nil, fmt.Errorf("webhook %d: %w", id, db.ErrNotExist)
	}
	return w, nil
}

// FindWebhooks lists a page of the webhooks that live exactly in scope,
// oldest first, and how many there are.
func FindWebhooks(ctx context.Context, ownerID, repoID int64, page db.Page) ([]*Webhook, int64, error) {
	var ws []*Webhook
	sess := db.GetEngine(ctx).Where("owner_id = ? AND repo_id = ?", ownerID, repoID).Asc("id")
	total, err := page.Apply(sess).FindAndCount(&ws)
	return ws, total, db.Wrap(err)
}

// FindActiveWebhooksFor lists the active webhooks that hear about the
// repository: its own, its owner's and the system's.
func FindActiveWebhooksFor(ctx context.Context, ownerID, repoID int64) ([]*Webhook, error) {
	var ws []*Webhook
	err := db.GetEngine(ctx).Where("is_active = ?", true).
		And("(repo_id = ? AND owner_id = ?) OR (repo_id = 0 AND owner_id = ?) OR (repo_id = 0 AND owner_id = 0)", repoID, ownerID, ownerID).
		Asc("id").Find(&ws)
	return ws, db.Wrap(err)
}

// UpdateWebhook writes the named columns of w.
func UpdateWebhook(ctx context.Context, w *Webhook, cols ...string) error {
	_, err := db.GetEngine(ctx).ID(w.ID).Cols(cols...).Update(w)
	return db.Wrap(err)
}

// DeleteWebhookByID removes a webhook and its deliveries.
func DeleteWebhookByID(ctx context.Context, id int64) error {
	if _, err := db.GetEngine(ctx).Where("hook_id = ?", id).Delete(new(HookTask)); err != nil {
		return db.Wrap(err)
	}
	n, err := db.GetEngine(ctx).ID(id).Delete(new(Webhook))
	if err != nil {
		return db.Wrap(err)
	}
	if n == 0 {
		return fmt.Errorf("webhook %d: %w", id, db.ErrNotExist)
	}
	return nil
}
