package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // X-Hub-Signature is GitHub's legacy sha1 signature; receivers still check it
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"strconv"

	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// The values of X-Gitea-Hook-Installation-Target-Type and its GitHub twin:
// the scope the webhook lives in, as Gitea names it. GARM tells a Gitea
// delivery from a GitHub one by the presence of the Gitea header and picks
// the pool (repository, organization or the whole instance) by its value
// (cloudbase/garm apiserver/controllers/controllers.go handleWorkflowJobEvent,
// runner/runner.go DispatchWorkflowJob, runner/types.go).
const (
	TargetRepository   = "repository"
	TargetOrganization = "organization"
	TargetUser         = "user"
	TargetSystem       = "system"
)

// TargetType names the scope of hook, as its deliveries do. An owner webhook belongs to an
// organization or to a user; one whose owner is gone is called a user's.
func (s *Service) TargetType(ctx context.Context, hook *webhook_model.Webhook) (string, error) {
	switch {
	case hook.RepoID != 0:
		return TargetRepository, nil
	case hook.OwnerID == 0:
		return TargetSystem, nil
	}
	o, err := s.ids.GetOwnerByID(ctx, hook.OwnerID)
	switch {
	case errors.Is(err, errs.NotFound):
		return TargetUser, nil
	case err != nil:
		return "", err
	case o.IsOrg:
		return TargetOrganization, nil
	}
	return TargetUser, nil
}

// deliveryHeaders are the headers of one delivery: Gitea's full set with
// the GitHub and Gogs twins, so that a receiver written for either reads
// them. key is the webhook's secret, "" when it signs nothing.
func deliveryHeaders(hook *webhook_model.Webhook, t *webhook_model.HookTask, target, contentType string, body []byte, key string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("User-Agent", "Runnerhub-Hookshot")
	hookID := strconv.FormatInt(hook.ID, 10)
	for _, prefix := range []string{"X-GitHub-", "X-Gitea-", "X-Gogs-"} {
		h.Set(prefix+"Event", t.Event)
		h.Set(prefix+"Event-Type", t.Event)
		h.Set(prefix+"Delivery", t.DeliveryUUID)
	}
	for _, prefix := range []string{"X-GitHub-", "X-Gitea-"} {
		h.Set(prefix+"Hook-ID", hookID)
		h.Set(prefix+"Hook-Installation-Target-Type", target)
	}
	if id := targetID(hook); id != 0 {
		h.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(id, 10))
	}
	if key != "" {
		sig256 := hmacHex(sha256.New, body, key)
		h.Set("X-Hub-Signature-256", "sha256="+sig256)
		h.Set("X-Hub-Signature", "sha1="+hmacHex(sha1.New, body, key))
		h.Set("X-Gitea-Signature", sig256)
		h.Set("X-Gogs-Signature", sig256)
	}
	return h
}

// targetID is the id of the repository or owner the webhook belongs to; 0
// for a system webhook, which names no target.
func targetID(hook *webhook_model.Webhook) int64 {
	if hook.RepoID != 0 {
		return hook.RepoID
	}
	return hook.OwnerID
}

// Sign is the value of X-Hub-Signature-256 for body: "sha256=" and the hex
// HMAC-SHA256 of the body under the secret, as GitHub sends it.
func Sign(body []byte, secret string) string {
	return "sha256=" + hmacHex(sha256.New, body, secret)
}

// SignSHA1 is the value of X-Hub-Signature: GitHub's legacy HMAC-SHA1.
func SignSHA1(body []byte, secret string) string {
	return "sha1=" + hmacHex(sha1.New, body, secret)
}

func hmacHex(h func() hash.Hash, body []byte, secret string) string {
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
