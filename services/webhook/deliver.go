package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/modules/metrics"
)

// maxResponseSnippet is how much of a receiver's answer the history keeps.
const maxResponseSnippet = 1024

// attempt is the outcome of sending one delivery once.
type attempt struct {
	headers  http.Header
	status   int
	body     string
	err      error
	refused  bool // the host list forbids the URL: retrying cannot help
	duration time.Duration
}

// Sign is the value of X-Hub-Signature-256 for body: "sha256=" and the hex
// HMAC-SHA256 of the body under the secret, as GitHub sends it.
func Sign(body []byte, secret string) string {
	return "sha256=" + signHex(body, secret)
}

func signHex(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// send makes one attempt of t to hook. It does no database work.
func (s *Service) send(ctx context.Context, hook *webhook_model.Webhook, t *webhook_model.HookTask) attempt {
	body := []byte(t.Payload)
	contentType := "application/json"
	if hook.ContentType == "form" {
		body = []byte("payload=" + url.QueryEscape(t.Payload))
		contentType = "application/x-www-form-urlencoded"
	}
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("User-Agent", "Runnerhub-Hookshot")
	hookID := strconv.FormatInt(hook.ID, 10)
	for _, prefix := range []string{"X-GitHub-", "X-Gitea-"} {
		h.Set(prefix+"Event", t.Event)
		h.Set(prefix+"Delivery", t.DeliveryUUID)
		h.Set(prefix+"Hook-ID", hookID)
	}
	h.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
	h.Set("X-Gitea-Event-Type", t.Event)
	if hook.SecretCipher != "" {
		key, err := s.box.Open(hook.SecretCipher)
		if err != nil {
			return attempt{headers: h, err: fmt.Errorf("webhook secret: %w", err), refused: true}
		}
		h.Set("X-Hub-Signature-256", Sign(body, key))
		h.Set("X-Gitea-Signature", signHex(body, key))
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return attempt{headers: h, err: err, refused: true}
	}
	req.Header = h.Clone()
	start := time.Now()
	resp, err := s.client.Do(req)
	a := attempt{headers: h, duration: time.Since(start)}
	if err != nil {
		a.err, a.refused = err, errors.Is(err, errRefusedHost)
		return a
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseSnippet))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	a.status, a.body = resp.StatusCode, string(snippet)
	a.duration = time.Since(start)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.err = fmt.Errorf("receiver answered %s", resp.Status)
	}
	return a
}

// record fills t with the attempt's outcome and decides what comes next:
// done, given up, or another try after the backoff.
func (s *Service) record(t *webhook_model.HookTask, a attempt) {
	headers, _ := json.Marshal(a.headers) // a header map always marshals
	t.RequestHeaders = string(headers)
	t.ResponseStatus, t.ResponseBody = a.status, a.body
	t.DurationMS = a.duration.Milliseconds()
	t.Delivered = s.now().Unix()
	t.LastError = ""
	switch {
	case a.err == nil:
		t.Status = webhook_model.HookTaskSucceeded
	case a.refused || t.Attempts >= s.opts.MaxAttempts:
		t.Status, t.LastError = webhook_model.HookTaskFailed, a.err.Error()
	default:
		t.Status, t.LastError = webhook_model.HookTaskPending, a.err.Error()
		t.NextAttempt = s.now().Add(s.backoff(t.Attempts)).UnixMilli()
	}
	s.count(t, a)
}

func (s *Service) count(t *webhook_model.HookTask, a attempt) {
	if s.counter == nil {
		return
	}
	switch {
	case a.err == nil:
		s.counter.CountWebhookDelivery(metrics.DeliverySucceeded)
	case a.status != 0:
		s.counter.CountWebhookDelivery(metrics.DeliveryFailed)
	default:
		s.counter.CountWebhookDelivery(metrics.DeliveryError)
	}
	if t.Status == webhook_model.HookTaskFailed {
		s.counter.CountWebhookDelivery(metrics.DeliveryGaveUp)
	}
}

// backoff is the wait after the n-th failed attempt: RetryBackoff doubling
// each time, at most MaxRetryBackoff.
func (s *Service) backoff(n int) time.Duration {
	d := s.opts.RetryBackoff
	for i := 1; i < n && d < s.opts.MaxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxRetryBackoff)
}
