package webhook

import (
	"code.runnerhub.dev/runnerhub/services/identity"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// HookInput creates or changes a webhook. On update, nil fields keep what is stored.
type HookInput struct {
	URL         *string
	ContentType *string // "json" (the default) or "form"
	Secret      *string // "" removes the secret
	Events      []string
	Active      *bool
}

const (
	maxURLLen    = 2048
	maxSecretLen = 255
)

// CreateHook adds a webhook to scope. It sends workflow_job unless told otherwise.
func (s *Service) CreateHook(ctx context.Context, scope identity.Scope, in HookInput, doerID int64) (*webhook_model.Webhook, error) {
	if in.URL == nil {
		return nil, fmt.Errorf("%w: config.url is required", errs.InvalidArgument)
	}
	w := &webhook_model.Webhook{
		OwnerID: scope.OwnerID(), RepoID: scope.RepoID(), Type: "gitea", ContentType: "json",
		IsActive: true, CreatedBy: doerID,
	}
	w.SetEvents([]string{EventWorkflowJob})
	if err := s.applyHookInput(w, in); err != nil {
		return nil, err
	}
	if err := webhook_model.CreateWebhook(ctx, w); err != nil {
		return nil, err
	}
	return w, nil
}

// UpdateHook changes a webhook of scope.
func (s *Service) UpdateHook(ctx context.Context, scope identity.Scope, id int64, in HookInput) (*webhook_model.Webhook, error) {
	var w *webhook_model.Webhook
	err := db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if w, err = webhook_model.GetWebhookInScope(ctx, scope.OwnerID(), scope.RepoID(), id); err != nil {
			return err
		}
		if err := s.applyHookInput(w, in); err != nil {
			return err
		}
		return webhook_model.UpdateWebhook(ctx, w, "url", "content_type", "secret_cipher", "events", "is_active")
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// GetHook returns a webhook of scope.
func (s *Service) GetHook(ctx context.Context, scope identity.Scope, id int64) (*webhook_model.Webhook, error) {
	return webhook_model.GetWebhookInScope(ctx, scope.OwnerID(), scope.RepoID(), id)
}

// ListHooks lists the webhooks of scope.
func (s *Service) ListHooks(ctx context.Context, scope identity.Scope, page db.Page) ([]*webhook_model.Webhook, int64, error) {
	return webhook_model.FindWebhooks(ctx, scope.OwnerID(), scope.RepoID(), page)
}

// DeleteHook removes a webhook of scope and its delivery history.
func (s *Service) DeleteHook(ctx context.Context, scope identity.Scope, id int64) error {
	return db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := webhook_model.GetWebhookInScope(ctx, scope.OwnerID(), scope.RepoID(), id); err != nil {
			return err
		}
		return webhook_model.DeleteWebhookByID(ctx, id)
	})
}

// HasSecret reports whether deliveries of w are signed.
func HasSecret(w *webhook_model.Webhook) bool { return w.SecretCipher != "" }

// applyHookInput checks in and copies it onto w; w is unchanged on error.
func (s *Service) applyHookInput(w *webhook_model.Webhook, in HookInput) error {
	next := *w
	if in.URL != nil {
		if err := checkHookURL(*in.URL); err != nil {
			return err
		}
		next.URL = strings.TrimSpace(*in.URL)
	}
	if in.ContentType != nil {
		switch *in.ContentType {
		case "json", "form":
			next.ContentType = *in.ContentType
		case "":
			next.ContentType = "json"
		default:
			return fmt.Errorf("%w: config.content_type must be json or form, not %q", errs.InvalidArgument, *in.ContentType)
		}
	}
	if in.Secret != nil {
		if len(*in.Secret) > maxSecretLen {
			return fmt.Errorf("%w: config.secret is longer than %d bytes", errs.InvalidArgument, maxSecretLen)
		}
		next.SecretCipher = ""
		if *in.Secret != "" {
			next.SecretCipher = s.box.Seal(*in.Secret)
		}
	}
	if in.Events != nil {
		events := slices.Compact(slices.Sorted(slices.Values(in.Events)))
		for _, e := range events {
			if e != EventWorkflowJob {
				return fmt.Errorf("%w: event %q is not sent by Runnerhub; the only event is %s", errs.InvalidArgument, e, EventWorkflowJob)
			}
		}
		if len(events) == 0 {
			return fmt.Errorf("%w: events must name %s", errs.InvalidArgument, EventWorkflowJob)
		}
		next.SetEvents(events)
	}
	if in.Active != nil {
		next.IsActive = *in.Active
	}
	*w = next
	return nil
}

// checkHookURL accepts absolute http and https URLs. Where they may point is
// checked at delivery, when the name is resolved.
func checkHookURL(raw string) error {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxURLLen {
		return fmt.Errorf("%w: config.url must be 1 to %d characters", errs.InvalidArgument, maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: config.url is not a URL: %v", errs.InvalidArgument, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: config.url must be an absolute http or https URL", errs.InvalidArgument)
	}
	return nil
}
