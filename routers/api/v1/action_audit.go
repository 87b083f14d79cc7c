package v1

import (
	"net/http"
	"time"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// apiAuditEvent is one entry of the audit log of registration tokens and runners.
type apiAuditEvent struct {
	ID         int64     `json:"id"`
	Action     string    `json:"action"`      // e.g. "runner.deleted"
	TargetType string    `json:"target_type"` // "registration_token" or "runner"
	TargetID   int64     `json:"target_id"`
	TargetName string    `json:"target_name"`
	Detail     string    `json:"detail,omitempty"`
	Actor      string    `json:"actor"`              // a user's name, "runner NAME", "maintenance" or "system"
	ActorID    int64     `json:"actor_id,omitempty"` // the user's id
	RemoteAddr string    `json:"remote_address,omitempty"`
	OwnerID    int64     `json:"owner_id"` // the scope of the token or runner
	RepoID     int64     `json:"repo_id"`
	CreatedAt  time.Time `json:"created_at"`
}

type apiAuditList struct {
	Events     []apiAuditEvent `json:"events"`
	TotalCount int64           `json:"total_count"`
}

func (a *API) registerAuditRoutes() {
	// Who created, reset, disabled, enabled or deleted a registration token,
	// and who registered, disabled, enabled, deleted or deregistered a
	// runner, newest first; authorized like the runners of the scope.
	a.HandleScoped("GET", AllScopes, "/actions/audit", a.listAudit)
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	es, total, err := a.Actions.ListAuditEvents(r.Context(), sc, p.Page, p.PageSize)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiAuditList{Events: make([]apiAuditEvent, len(es)), TotalCount: total}
	for i, e := range es {
		out.Events[i] = apiAuditEvent{
			ID: e.ID, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, TargetName: e.TargetName,
			Detail: e.Detail, Actor: e.Actor, ActorID: e.ActorID, RemoteAddr: e.RemoteAddr,
			OwnerID: e.OwnerID, RepoID: e.RepoID, CreatedAt: time.Unix(e.Created, 0).UTC(),
		}
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}
