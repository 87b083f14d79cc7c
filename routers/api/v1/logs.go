package v1

import (
	"log/slog"
	"mime"
	"net/http"

	"code.runnerhub.dev/runnerhub/services/identity"
)

// registerLogRoutes serves Gitea's job log download to the repository's readers.
func (a *API) registerLogRoutes() {
	a.HandleScopedRead("GET", RepoScope, "/actions/jobs/{job}/logs", a.jobLogs)
}

// jobLogs streams a job's log as text/plain, one line per row with the
// row's time as Gitea writes it. The log is read and sent a few chunks at a
// time; a failure part-way can only end the body early.
func (a *API) jobLogs(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := PathID(r, "job")
	if err != nil {
		WriteError(w, r, err)
		return
	}
	l, err := a.Workflows.GetJobLog(r.Context(), sc, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": l.FileName()})
	if disposition == "" {
		disposition = "attachment" // a name mime cannot write; the client picks one
	}
	w.Header().Set("Content-Disposition", disposition)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	flush := http.NewResponseController(w).Flush
	if err := a.Workflows.WriteJobLogText(r.Context(), l, w, flush); err != nil {
		slog.WarnContext(r.Context(), "job log cut short", "job", id, "err", err)
	}
}
