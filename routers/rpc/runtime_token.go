package rpc

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// RuntimeTokenVerifyPath is where a cache or artifact server checks a job's
// ACTIONS_RUNTIME_TOKEN: POST with "Authorization: Bearer <token>".
const RuntimeTokenVerifyPath = Prefix + "/runtime-token/verify"

// runtimeTokenAnswer is the JSON answer. Active is false (and the status
// 401) for a token that is unknown, of a finished task, or past its expiry.
type runtimeTokenAnswer struct {
	Active     bool              `json:"active"`
	Message    string            `json:"message,omitempty"`
	TaskID     int64             `json:"task_id,omitempty"`
	JobID      int64             `json:"job_id,omitempty"`
	RunID      int64             `json:"run_id,omitempty"`
	RunAttempt int64             `json:"run_attempt,omitempty"`
	Repository *runtimeTokenRepo `json:"repository,omitempty"`
	ExpiresAt  *time.Time        `json:"expires_at,omitempty"`
}

type runtimeTokenRepo struct {
	ID       int64  `json:"id"`
	OwnerID  int64  `json:"owner_id"`
	Owner    string `json:"owner"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
}

// NewRuntimeTokenHandler answers whether a runtime token is live and which
// task, run and repository it belongs to. The token is 160 random bits, so
// guessing one is hopeless and the endpoint needs no other credential.
func NewRuntimeTokenHandler(svc *actions_service.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			writeRuntimeToken(w, http.StatusUnauthorized, runtimeTokenAnswer{Message: "send the runtime token as Authorization: Bearer <token>"})
			return
		}
		info, err := svc.VerifyRuntimeToken(r.Context(), token)
		switch {
		case errors.Is(err, errs.Unauthenticated):
			writeRuntimeToken(w, http.StatusUnauthorized, runtimeTokenAnswer{Message: strings.TrimPrefix(err.Error(), errs.Unauthenticated.Error()+": ")})
			return
		case errors.Is(err, errs.Unavailable):
			w.Header().Set("Retry-After", "5")
			writeRuntimeToken(w, http.StatusServiceUnavailable, runtimeTokenAnswer{Message: "database unavailable; try again"})
			return
		case err != nil:
			slog.ErrorContext(r.Context(), "verify runtime token", "err", err)
			writeRuntimeToken(w, http.StatusInternalServerError, runtimeTokenAnswer{Message: "internal error"})
			return
		}
		writeRuntimeToken(w, http.StatusOK, runtimeTokenAnswer{
			Active: true, TaskID: info.TaskID, JobID: info.JobID, RunID: info.RunID, RunAttempt: info.RunAttempt,
			Repository: &runtimeTokenRepo{ID: info.RepoID, OwnerID: info.OwnerID, Owner: info.Owner, Name: info.Repo, FullName: info.Owner + "/" + info.Repo},
			ExpiresAt:  &info.ExpiresAt,
		})
	})
}

// bearerToken takes the token from an Authorization header value.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func writeRuntimeToken(w http.ResponseWriter, status int, a runtimeTokenAnswer) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="runtime-token"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a) // the client went away; nothing to do
}
