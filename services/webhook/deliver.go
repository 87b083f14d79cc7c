package webhook

import (
	"bytes"
	"context"
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
	refused  bool // the host list forbids the URL, or the receiver spoke (a final 4xx): retrying cannot help
	duration time.Duration
	// retryAfter is the wait a 429 or 503 asked for with Retry-After; 0 when none.
	retryAfter time.Duration
}

// maxRetryAfter bounds the wait a receiver may ask for: a longer one would
// hold the job's later events back for longer than any backoff.
const maxRetryAfter = time.Hour

// isFinalAnswer reports whether a receiver's status ends the delivery as
// SPEC §4 says: a 4xx other than 408 and 429 is the receiver's final word
// (GARM answers 422 to a job it does not track), so it is neither retried
// nor allowed to hold back later events.
func isFinalAnswer(status int) bool {
	return status >= 400 && status <= 499 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(max(n, 0)) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = at.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// send makes one attempt of t to hook. It does no database work.
func (s *Service) send(ctx context.Context, hook *webhook_model.Webhook, t *webhook_model.HookTask) attempt {
	body := []byte(t.Payload)
	contentType := "application/json"
	if hook.ContentType == "form" {
		body = []byte("payload=" + url.QueryEscape(t.Payload))
		contentType = "application/x-www-form-urlencoded"
	}
	target, err := s.TargetType(ctx, hook)
	if err != nil {
		return attempt{err: fmt.Errorf("webhook scope: %w", err)}
	}
	var key string
	if hook.SecretCipher != "" {
		if key, err = s.box.Open(hook.SecretCipher); err != nil {
			return attempt{err: fmt.Errorf("webhook secret: %w", err), refused: true}
		}
	}
	h := deliveryHeaders(hook, t, target, contentType, body, key)

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
		a.refused = isFinalAnswer(resp.StatusCode)
		a.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), s.now())
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
		t.NextAttempt = s.now().Add(max(s.backoff(t.Attempts), a.retryAfter)).UnixMilli()
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
