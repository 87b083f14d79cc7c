package v1

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/modules/ratelimit"
)

// WriteJSON writes v as the JSON body with status. A 200 answer to a GET
// carries an ETag, and is 304 with no body when If-None-Match names it.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode api response", "err", err)
		status, body = http.StatusInternalServerError, []byte(`{"message":"internal error"}`)
	}
	body = append(body, '\n')
	if notModified(w, status, body) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		slog.Warn("write api response", "err", err)
	}
}

// apiError is the error body, as Gitea sends it.
type apiError struct {
	Message string `json:"message"`
}

// statuses maps error kinds to HTTP statuses; the first match wins.
var statuses = []struct {
	kind   error
	status int
}{
	{errs.InvalidArgument, http.StatusUnprocessableEntity},
	{errs.Unauthenticated, http.StatusUnauthorized},
	{errs.PermissionDenied, http.StatusForbidden},
	{errs.NotFound, http.StatusNotFound},
	{errs.AlreadyExists, http.StatusConflict},
	{errs.FailedPrecondition, http.StatusConflict},
	{errs.ResourceExhausted, http.StatusTooManyRequests},
	{errs.Unavailable, http.StatusServiceUnavailable},
}

// StatusOf is the HTTP status for err; 500 for an error of no known kind.
func StatusOf(err error) int {
	var bad *badRequest
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.As(err, &bad):
		return http.StatusBadRequest
	case errors.Is(err, context.Canceled):
		return 499 // the client went away; nobody reads this
	}
	for _, s := range statuses {
		if errors.Is(err, s.kind) {
			return s.status
		}
	}
	return http.StatusInternalServerError
}

// WriteError answers with err's status and message. An error of no known
// kind is a server fault: it is logged and the client sees "internal error".
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	msg := err.Error()
	switch {
	case status == http.StatusInternalServerError:
		slog.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "internal error"
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="runnerhub"`)
	}
	for _, s := range statuses {
		msg = strings.TrimPrefix(msg, s.kind.Error()+": ") // the status already says the kind
	}
	WriteJSON(w, status, apiError{Message: msg})
}

// setRateLimit tells the caller where their quota stands, in GitHub's
// headers (KEDA backs off on them). A server without a limit sends none.
func setRateLimit(w http.ResponseWriter, q ratelimit.Quota) {
	if q.Limit == 0 {
		return
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(q.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(q.Remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(q.Limit-q.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(q.Reset.UnixMilli())/1000)), 10))
	h.Set("X-RateLimit-Resource", "core")
}

func writeRateLimited(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	WriteError(w, r, fmt.Errorf("%w: rate limit exceeded; retry in %d s", errs.ResourceExhausted, secs))
}

// badRequest marks input that could not be read at all (malformed JSON, a
// query parameter that is not a number): 400 rather than 422.
type badRequest struct{ err error }

func (b *badRequest) Error() string { return b.err.Error() }
func (b *badRequest) Unwrap() error { return b.err }

// BadRequest makes a 400 error; it is also an errs.InvalidArgument.
func BadRequest(format string, args ...any) error {
	return &badRequest{err: fmt.Errorf("%w: "+format, append([]any{errs.InvalidArgument}, args...)...)}
}

// DecodeJSON reads the request body into v, within the configured size limit.
func (a *API) DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, a.Options.Server.MaxRequestBytes)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fmt.Errorf("%w: request body is larger than %d bytes: %w", errs.ResourceExhausted, tooLarge.Limit, err)
		}
		return BadRequest("request body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return BadRequest("request body has data after the JSON value")
	}
	return nil
}

// PathID reads a numeric id from the path; anything else names nothing, so
// it is a 404 like an id that does not exist.
func PathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %s %q does not exist", errs.NotFound, name, s)
	}
	return id, nil
}
