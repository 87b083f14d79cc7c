// Package web serves the HTML pages.
package web

import (
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
)

// Home lists the instance's runners.
type Home struct {
	Tmpl         *template.Template
	RootURL      string
	OfflineAfter time.Duration
}

type runnerRow struct {
	Name, Status, Version string
	Labels                []string
	Ephemeral             bool
}

func (h *Home) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	runners, total, err := actions_model.FindRunners(r.Context(), actions_model.FindRunnerOptions{PageSize: 50})
	if err != nil {
		slog.ErrorContext(r.Context(), "list runners", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	now := time.Now()
	rows := make([]runnerRow, 0, len(runners))
	for _, rn := range runners {
		status := "offline"
		if rn.IsOnline(now, h.OfflineAfter) {
			status = "online"
		}
		rows = append(rows, runnerRow{Name: rn.Name, Status: status, Version: rn.Version, Labels: rn.LabelList(), Ephemeral: rn.Ephemeral})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	err = h.Tmpl.ExecuteTemplate(w, "home", map[string]any{
		"RPCURL": strings.TrimSuffix(h.RootURL, "/") + "/api/actions", "Runners": rows, "Total": total,
	})
	if err != nil {
		slog.ErrorContext(r.Context(), "render home", "err", err)
	}
}

// NewHome builds the home page handler.
func NewHome(tmpl *template.Template, o *options.Options) *Home {
	return &Home{Tmpl: tmpl, RootURL: o.Server.RootURL, OfflineAfter: o.Actions.RunnerOfflineAfter}
}
