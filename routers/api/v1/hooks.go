package v1

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/services/identity"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
)

// Webhooks, as Gitea serves them at /repos/{o}/{r}/hooks, /orgs/{org}/hooks
// and /admin/hooks (system webhooks, which hear every repository), plus
// GitHub's delivery history and redelivery.
func (a *API) registerHookRoutes() {
	a.HandleScoped("GET", AllScopes, "/hooks", a.listHooks)
	a.HandleScoped("POST", AllScopes, "/hooks", a.createHook)
	a.HandleScoped("GET", AllScopes, "/hooks/{id}", a.getHook)
	a.HandleScoped("PATCH", AllScopes, "/hooks/{id}", a.editHook)
	a.HandleScoped("DELETE", AllScopes, "/hooks/{id}", a.deleteHook)
	a.HandleScoped("GET", AllScopes, "/hooks/{id}/deliveries", a.listDeliveries)
	a.HandleScoped("GET", AllScopes, "/hooks/{id}/deliveries/{delivery}", a.getDelivery)
	a.HandleScoped("POST", AllScopes, "/hooks/{id}/deliveries/{delivery}/attempts", a.redeliver)
}

// apiHook is Gitea's Hook JSON. The secret is never shown; config.secret
// says only whether there is one.
type apiHook struct {
	ID           int64             `json:"id"`
	Type         string            `json:"type"`
	BranchFilter string            `json:"branch_filter"`
	Config       map[string]string `json:"config"`
	Events       []string          `json:"events"`
	Active       bool              `json:"active"`
	UpdatedAt    time.Time         `json:"updated_at"`
	CreatedAt    time.Time         `json:"created_at"`
}

func toAPIHook(h *webhook_model.Webhook) apiHook {
	cfg := map[string]string{"url": h.URL, "content_type": h.ContentType, "http_method": "post"}
	if webhook_service.HasSecret(h) {
		cfg["secret"] = "********"
	}
	return apiHook{
		ID: h.ID, Type: h.Type, BranchFilter: "*", Config: cfg, Events: h.EventList(), Active: h.IsActive,
		UpdatedAt: time.Unix(h.Updated, 0).UTC(), CreatedAt: time.Unix(h.Created, 0).UTC(),
	}
}

// hookOption is Gitea's CreateHookOption and EditHookOption. Unlike Gitea,
// a webhook created without "active" is active.
type hookOption struct {
	Type         string            `json:"type"`
	Config       map[string]string `json:"config"`
	Events       []string          `json:"events"`
	BranchFilter string            `json:"branch_filter"`
	Active       *bool             `json:"active"`
}

// input checks the parts Runnerhub does not support and maps the rest.
func (o hookOption) input() (webhook_service.HookInput, error) {
	in := webhook_service.HookInput{Events: o.Events, Active: o.Active}
	if o.Type != "" && o.Type != "gitea" && o.Type != "gogs" {
		return in, fmt.Errorf("%w: type %q is not supported; use gitea", errs.InvalidArgument, o.Type)
	}
	if m, ok := o.Config["http_method"]; ok && m != "" && m != "post" && m != "POST" {
		return in, fmt.Errorf("%w: config.http_method must be post", errs.InvalidArgument)
	}
	if o.BranchFilter != "" && o.BranchFilter != "*" {
		return in, fmt.Errorf("%w: branch_filter is not supported: workflow_job events are sent for every branch", errs.InvalidArgument)
	}
	for key, dst := range map[string]**string{"url": &in.URL, "content_type": &in.ContentType, "secret": &in.Secret} {
		if v, ok := o.Config[key]; ok {
			*dst = &v
		}
	}
	return in, nil
}

func (a *API) listHooks(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	hooks, total, err := a.Webhooks.ListHooks(r.Context(), sc, p.DB())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]apiHook, len(hooks))
	for i, h := range hooks {
		out[i] = toAPIHook(h)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) createHook(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	var o hookOption
	if err := a.DecodeJSON(w, r, &o); err != nil {
		WriteError(w, r, err)
		return
	}
	in, err := o.input()
	if err != nil {
		WriteError(w, r, err)
		return
	}
	h, err := a.Webhooks.CreateHook(r.Context(), sc, in, Caller(r).ID)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, toAPIHook(h))
}

func (a *API) getHook(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	h, err := a.Webhooks.GetHook(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, toAPIHook(h))
}

func (a *API) editHook(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var o hookOption
	if err := a.DecodeJSON(w, r, &o); err != nil {
		WriteError(w, r, err)
		return
	}
	in, err := o.input()
	if err != nil {
		WriteError(w, r, err)
		return
	}
	h, err := a.Webhooks.UpdateHook(r.Context(), sc, id, in)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, toAPIHook(h))
}

func (a *API) deleteHook(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if err := a.Webhooks.DeleteHook(r.Context(), sc, id); err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiDelivery is a delivery in the shape of GitHub's hook delivery: a
// list shows the summary, one delivery also its request and response.
type apiDelivery struct {
	ID            int64            `json:"id"`
	GUID          string           `json:"guid"`
	DeliveredAt   *time.Time       `json:"delivered_at"`
	Redelivery    bool             `json:"redelivery"`
	Duration      float64          `json:"duration"` // seconds
	Status        string           `json:"status"`   // pending, succeeded or failed
	StatusCode    int              `json:"status_code"`
	Event         string           `json:"event"`
	Action        string           `json:"action"`
	Attempts      int              `json:"attempts"`
	NextAttemptAt *time.Time       `json:"next_attempt_at"`
	Error         string           `json:"error,omitempty"`
	Request       *apiDeliveryPart `json:"request,omitempty"`
	Response      *apiDeliveryPart `json:"response,omitempty"`
}

type apiDeliveryPart struct {
	Headers map[string][]string `json:"headers,omitempty"`
	Payload json.RawMessage     `json:"payload,omitempty"`
	Body    string              `json:"body,omitempty"`
}

func toAPIDelivery(t *webhook_model.HookTask, full bool) apiDelivery {
	d := apiDelivery{
		ID: t.ID, GUID: t.DeliveryUUID, Redelivery: t.IsRedelivery,
		Duration: float64(t.DurationMS) / 1000, Status: t.Status.String(), StatusCode: t.ResponseStatus,
		Event: t.Event, Action: t.Action, Attempts: t.Attempts, Error: t.LastError,
	}
	if t.Delivered != 0 {
		at := time.Unix(t.Delivered, 0).UTC()
		d.DeliveredAt = &at
	}
	if t.Status == webhook_model.HookTaskPending {
		next := time.UnixMilli(t.NextAttempt).UTC()
		d.NextAttemptAt = &next
	}
	if full {
		req := &apiDeliveryPart{Payload: json.RawMessage(t.Payload)}
		_ = json.Unmarshal([]byte(t.RequestHeaders), &req.Headers) // empty before the first attempt
		d.Request, d.Response = req, &apiDeliveryPart{Body: t.ResponseBody}
	}
	return d
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "id")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ts, total, err := a.Webhooks.ListDeliveries(r.Context(), sc, id, p.Page, p.PageSize)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := make([]apiDelivery, len(ts))
	for i, t := range ts {
		out[i] = toAPIDelivery(t, false)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

// deliveryIDs reads the webhook and delivery ids of a delivery's path.
func deliveryIDs(r *http.Request) (hookID, id int64, err error) {
	if hookID, err = PathID(r, "id"); err != nil {
		return 0, 0, err
	}
	id, err = PathID(r, "delivery")
	return hookID, id, err
}

func (a *API) getDelivery(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	hookID, id, err := deliveryIDs(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	t, err := a.Webhooks.GetDelivery(r.Context(), sc, hookID, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, toAPIDelivery(t, true))
}

func (a *API) redeliver(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	hookID, id, err := deliveryIDs(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	t, err := a.Webhooks.Redeliver(r.Context(), sc, hookID, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusAccepted, toAPIDelivery(t, false))
}
