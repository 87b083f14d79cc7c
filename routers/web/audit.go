package web

import (
	"net/http"
	"strconv"
	"strings"

	"code.runnerhub.dev/runnerhub/services/identity"
)

const auditPerPage = 50

func (w *Web) registerAuditPages(mux *http.ServeMux) {
	w.handleScoped(mux, "GET", "/actions/audit", w.auditPage)
}

// auditURL is the audit log page of a scope, found from its Runners page.
func auditURL(runners string) string {
	return strings.TrimSuffix(runners, "/runners") + "/audit"
}

// auditRow is an audit event as the page shows it.
type auditRow struct {
	Created                             int64
	Actor, Action, Target, Detail, From string
}

// auditPage lists who changed the scope's registration tokens and runners.
func (w *Web) auditPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, runners string) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	es, total, err := w.Actions.ListAuditEvents(r.Context(), sc, page, auditPerPage)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	rows := make([]auditRow, len(es))
	for i, e := range es {
		target := strings.ReplaceAll(e.TargetType, "_", " ") + " " + visible(e.TargetName)
		rows[i] = auditRow{
			Created: e.Created, Actor: visible(e.Actor), Action: e.Action,
			Target: target + " (#" + strconv.FormatInt(e.TargetID, 10) + ")", Detail: visible(e.Detail), From: e.RemoteAddr,
		}
	}
	data := map[string]any{
		"Title": "Audit log", "ScopeName": scopeTitle(sc), "RunnersURL": runners, "Events": rows, "Total": total,
		"System": sc.IsInstance(), "Page": page,
	}
	if int64(page*auditPerPage) < total {
		data["NextURL"] = auditURL(runners) + "?page=" + strconv.Itoa(page+1)
	}
	w.render(rw, r, http.StatusOK, "audit", data)
}
