package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/services/identity"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
)

// deliveriesShown is how much of a webhook's history its page lists.
const deliveriesShown = 30

// Webhook pages sit beside the Runners page of each scope, where Gitea has
// its webhook settings: …/settings/hooks, and /-/admin/hooks for system webhooks.
func (w *Web) registerHookPages(mux *http.ServeMux) {
	w.handleScoped(mux, "GET", "/hooks", w.hooksPage)
	w.handleScoped(mux, "POST", "/hooks", w.createHook)
	w.handleScoped(mux, "GET", "/hooks/{id}", w.hookPage)
	w.handleScoped(mux, "POST", "/hooks/{id}", w.editHook)
	w.handleScoped(mux, "POST", "/hooks/{id}/delete", w.deleteHook)
	w.handleScoped(mux, "POST", "/hooks/{id}/deliveries/{delivery}/redeliver", w.redeliver)
}

// hooksURL is the Webhooks page of a scope, found from its Runners page.
func hooksURL(runners string) string {
	return strings.TrimSuffix(runners, "/actions/runners") + "/hooks"
}

var hookFlashes = map[string]string{
	"created":     "The webhook was added; it is sent every workflow_job event from now on.",
	"saved":       "The webhook was saved.",
	"deleted":     "The webhook and its delivery history were deleted.",
	"redelivered": "The delivery was queued again with the same delivery id.",
}

func (w *Web) hooksPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	w.renderHooks(rw, r, sc, runners, http.StatusOK, map[string]any{"Flash": hookFlashes[r.URL.Query().Get("done")]})
}

func (w *Web) renderHooks(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string, status int, extra map[string]any) {
	hooks, _, err := w.Webhooks.ListHooks(r.Context(), sc, db.Page{})
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	data := map[string]any{
		"Title": "Webhooks", "ScopeName": scopeTitle(sc), "RunnersURL": runners, "BaseURL": hooksURL(runners),
		"Hooks": hooks, "System": sc.IsInstance(),
	}
	for k, v := range extra {
		data[k] = v
	}
	w.render(rw, r, status, "hooks", data)
}

// hookForm reads the create and edit forms. An empty secret field keeps
// the stored secret; "remove_secret" drops it.
func hookForm(r *http.Request) webhook_service.HookInput {
	url, contentType := strings.TrimSpace(r.PostFormValue("url")), r.PostFormValue("content_type")
	active := r.PostFormValue("active") == "on"
	in := webhook_service.HookInput{URL: &url, ContentType: &contentType, Active: &active}
	if s := r.PostFormValue("secret"); s != "" {
		in.Secret = &s
	} else if r.PostFormValue("remove_secret") == "on" {
		in.Secret = &s
	}
	return in
}

func (w *Web) createHook(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	_, err := w.Webhooks.CreateHook(r.Context(), sc, hookForm(r), signedIn(r).ID)
	if err != nil {
		w.renderHooks(rw, r, sc, runners, http.StatusUnprocessableEntity, map[string]any{"FormError": userMessage(err)})
		return
	}
	http.Redirect(rw, r, hooksURL(runners)+"?done=created", http.StatusSeeOther)
}

// deliveryRow is a delivery as the hook page shows it.
type deliveryRow struct {
	*webhook_model.HookTask
	Headers  string // the request headers, one per line
	Payload  string // the payload, indented
	Duration string
}

func (w *Web) hookPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	w.renderHook(rw, r, sc, runners, http.StatusOK, map[string]any{"Flash": hookFlashes[r.URL.Query().Get("done")]})
}

func (w *Web) renderHook(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string, status int, extra map[string]any) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such webhook.")
		return
	}
	hook, err := w.Webhooks.GetHook(r.Context(), sc, id)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	tasks, total, err := w.Webhooks.ListDeliveries(r.Context(), sc, id, 1, deliveriesShown)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	rows := make([]deliveryRow, len(tasks))
	for i, t := range tasks {
		rows[i] = deliveryRow{HookTask: t, Duration: strconv.FormatInt(t.DurationMS, 10) + " ms", Payload: t.Payload}
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(t.Payload), "", "  ") == nil {
			rows[i].Payload = pretty.String()
		}
		var headers map[string][]string
		if json.Unmarshal([]byte(t.RequestHeaders), &headers) == nil {
			var b strings.Builder
			for k, vs := range headers {
				b.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
			}
			rows[i].Headers = b.String()
		}
	}
	data := map[string]any{
		"Title": "Webhook " + strconv.FormatInt(hook.ID, 10), "ScopeName": scopeTitle(sc), "RunnersURL": runners,
		"BaseURL": hooksURL(runners), "Hook": hook, "HasSecret": webhook_service.HasSecret(hook),
		"Deliveries": rows, "DeliveryTotal": total,
	}
	for k, v := range extra {
		data[k] = v
	}
	w.render(rw, r, status, "hook", data)
}

func (w *Web) editHook(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such webhook.")
		return
	}
	if _, err := w.Webhooks.UpdateHook(r.Context(), sc, id, hookForm(r)); err != nil {
		w.renderHook(rw, r, sc, runners, http.StatusUnprocessableEntity, map[string]any{"FormError": userMessage(err)})
		return
	}
	http.Redirect(rw, r, hooksURL(runners)+"/"+strconv.FormatInt(id, 10)+"?done=saved", http.StatusSeeOther)
}

func (w *Web) deleteHook(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such webhook.")
		return
	}
	if err := w.Webhooks.DeleteHook(r.Context(), sc, id); err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.Redirect(rw, r, hooksURL(runners)+"?done=deleted", http.StatusSeeOther)
}

func (w *Web) redeliver(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	delivery, err2 := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err1 != nil || err2 != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such delivery.")
		return
	}
	if _, err := w.Webhooks.Redeliver(r.Context(), sc, id, delivery); err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.Redirect(rw, r, hooksURL(runners)+"/"+strconv.FormatInt(id, 10)+"?done=redelivered", http.StatusSeeOther)
}
