package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

const (
	runnersPerPage   = 50
	recentTasksShown = 30
)

func (w *Web) registerRunnerPages(mux *http.ServeMux) {
	w.handleScoped(mux, "GET", "/actions/runners", w.runnersPage)
	w.handleScoped(mux, "GET", "/actions/runners/{id}", w.runnerPage)
	w.handleScoped(mux, "POST", "/actions/runners/{id}/{op}", w.runnerAction)
	w.handleScoped(mux, "POST", "/actions/runners/reset_registration_token", w.resetToken)
	w.handleScoped(mux, "POST", "/actions/runners/tokens", w.createToken)
	w.handleScoped(mux, "POST", "/actions/runners/tokens/{id}/{op}", w.tokenAction)
}

// runnerRow is a runner as the pages show it.
type runnerRow struct {
	ID                  int64
	Name, Status        string
	Version, CurrentJob string
	// CurrentJobURL is the page of the job it runs, in CurrentRepo.
	CurrentJobURL, CurrentRepo string
	Scope                      string
	Labels                     []string
	Ephemeral, Disabled        bool
	LastOnline, Created        int64
}

// flashes are the messages a redirect may ask for; the URL names one, it
// never carries text.
var flashes = map[string]string{
	"runner-disabled": "The runner was disabled: it finishes its current job and takes no new one.",
	"runner-enabled":  "The runner was enabled.",
	"runner-deleted":  "The runner was deleted.",
	"token-reset":     "The registration token was reset; the old one no longer works.",
	"token-disabled":  "The registration token was disabled.",
	"token-enabled":   "The registration token was enabled.",
	"token-deleted":   "The registration token was deleted.",
}

func (w *Web) runnersPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string) {
	w.renderRunners(rw, r, sc, base, http.StatusOK, map[string]any{"Flash": flashes[r.URL.Query().Get("done")]})
}

// renderRunners shows the runner list and the token panel; extra adds a
// just-created token or an error to the page.
func (w *Web) renderRunners(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string, status int, extra map[string]any) {
	ctx := r.Context()
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	runners, total, err := w.Actions.ListRunners(ctx, sc, actions_service.RunnerFilter{Page: page, PageSize: runnersPerPage})
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	defaultToken, err := w.Actions.RegistrationTokenToShow(ctx, sc)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	tokens, _, err := w.Actions.ListRegistrationTokens(ctx, sc, db.Page{})
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	inherited, inheritedTotal, err := w.Actions.ListInheritedRunners(ctx, sc, runnersPerPage)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	links := jobLinks{}
	rows := make([]runnerRow, len(runners))
	names := map[[2]int64]string{}
	for i, rn := range runners {
		rows[i] = w.toRunnerRow(r, links, rn)
		if sc.IsInstance() {
			rows[i].Scope = w.scopeNameOf(r, names, rn.OwnerID, rn.RepoID)
		}
	}
	inheritedRows := make([]runnerRow, len(inherited))
	for i, rn := range inherited {
		if rn.Job != nil && !sc.Contains(rn.Job.OwnerID, rn.Job.RepoID) {
			// A job of a repository outside the viewer's scope is not theirs to see.
			rn = &actions_service.RunnerInfo{Runner: rn.Runner, Online: rn.Online}
			inheritedRows[i] = w.toRunnerRow(r, links, rn)
			inheritedRows[i].CurrentJob = "busy elsewhere"
		} else {
			inheritedRows[i] = w.toRunnerRow(r, links, rn)
		}
		inheritedRows[i].Scope = w.scopeNameOf(r, names, rn.OwnerID, rn.RepoID)
	}
	type tokenRow struct {
		ID                                   int64
		Name, Description, State, StateClass string
		IsDefault, Disabled                  bool
		Uses, MaxUses, ExpiresUnix, Created  int64
	}
	trows := make([]tokenRow, len(tokens))
	for i, t := range tokens {
		state := w.Actions.TokenState(t)
		trows[i] = tokenRow{
			ID: t.ID, Name: visible(t.Name), Description: visible(t.Description), State: state, StateClass: strings.ReplaceAll(state, " ", "-"),
			IsDefault: t.IsDefault, Disabled: t.Disabled, Uses: t.Uses, MaxUses: t.MaxUses, ExpiresUnix: t.ExpiresUnix, Created: t.Created,
		}
	}
	data := map[string]any{
		"Title": "Runners", "ScopeName": scopeTitle(sc), "BaseURL": base, "ShowScope": sc.IsInstance(),
		"Runners": rows, "Total": total, "Tokens": trows, "DefaultToken": defaultToken,
		"InstanceURL": w.Options.Server.RootURL, "HooksURL": hooksURL(base), "AuditURL": auditURL(base),
		"QueueURL": queueURL(base), "PoolsURL": poolsURL(base), "HasPools": w.Pools.Configured(), "Inherited": inheritedRows, "InheritedTotal": inheritedTotal,
		"Register": registerCommand(r, w.Options.Server.RootURL, defaultToken),
	}
	if sc.IsInstance() || (sc.Repo == nil && sc.Owner.IsOrg) {
		data["GroupsURL"] = groupsURL(sc)
	}
	if page > 1 {
		data["PrevPage"] = page - 1
	}
	if int64(page*runnersPerPage) < total {
		data["NextPage"] = page + 1
	}
	for k, v := range extra {
		data[k] = v
	}
	w.render(rw, r, status, "runners", data)
}

func (w *Web) toRunnerRow(r *http.Request, links jobLinks, rn *actions_service.RunnerInfo) runnerRow {
	status := "offline"
	if rn.Online {
		status = "online"
	}
	row := runnerRow{
		ID: rn.ID, Name: visible(rn.Name), Status: status, Version: visible(rn.Version), Labels: visibleAll(rn.LabelList()),
		Ephemeral: rn.Ephemeral, Disabled: rn.Disabled, LastOnline: rn.LastOnline, Created: rn.Created,
	}
	if rn.Job != nil {
		row.CurrentJob = visible(rn.Job.Name)
		row.CurrentJobURL, row.CurrentRepo = w.jobLink(r, links, rn.Job)
	} else if rn.Task != nil {
		row.CurrentJob = fmt.Sprintf("task %d", rn.Task.ID)
	}
	return row
}

// scopeNameOf names the scope a runner belongs to, remembering names already looked up.
func (w *Web) scopeNameOf(r *http.Request, names map[[2]int64]string, ownerID, repoID int64) string {
	key := [2]int64{ownerID, repoID}
	if n, ok := names[key]; ok {
		return n
	}
	sc, err := identity.ScopeOfIDs(r.Context(), w.Identity, ownerID, repoID)
	n := sc.String()
	if err != nil {
		n = fmt.Sprintf("owner %d, repo %d", ownerID, repoID)
	}
	names[key] = n
	return n
}

func (w *Web) runnerPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such runner.")
		return
	}
	rn, err := w.Actions.GetRunner(r.Context(), sc, id)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	tasks, err := w.Actions.ListRunnerTasks(r.Context(), sc, id, recentTasksShown)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	type taskRow struct {
		ID                   int64
		JobName, Status      string
		JobURL, Repo         string
		Started, Stopped     int64
		Duration             string
		StatusClass, Attempt string
	}
	links := jobLinks{}
	now := time.Now()
	trows := make([]taskRow, len(tasks))
	for i, t := range tasks {
		st := viewStatus(t.Status)
		trows[i] = taskRow{ID: t.ID, Status: st.Mark + " " + st.Word, StatusClass: st.Class, Started: t.Started, Stopped: t.Stopped,
			Duration: durationText(t.Started, t.Stopped, now)}
		if t.Job != nil {
			trows[i].JobName = visible(t.Job.Name)
			trows[i].JobURL, trows[i].Repo = w.jobLink(r, links, t.Job)
			if t.Job.Attempt > 1 {
				trows[i].Attempt = strconv.FormatInt(t.Job.Attempt, 10)
			}
		}
	}
	row := w.toRunnerRow(r, links, rn)
	row.Scope = w.scopeNameOf(r, map[[2]int64]string{}, rn.OwnerID, rn.RepoID)
	w.render(rw, r, http.StatusOK, "runner", map[string]any{
		"Title": "Runner " + row.Name, "ScopeName": scopeTitle(sc), "BaseURL": base, "Runner": row, "Tasks": trows,
	})
}

func (w *Web) runnerAction(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such runner.")
		return
	}
	var done string
	switch r.PathValue("op") {
	case "disable", "enable":
		disabled := r.PathValue("op") == "disable"
		_, err = w.Actions.SetRunnerDisabled(r.Context(), sc, id, disabled)
		done = "runner-" + r.PathValue("op") + "d"
	case "delete":
		err = w.Actions.DeleteRunner(r.Context(), sc, id)
		done = "runner-deleted"
	default:
		w.renderError(rw, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.Redirect(rw, r, base+"?done="+done, http.StatusSeeOther)
}

func (w *Web) resetToken(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string) {
	if _, err := w.Actions.ResetRegistrationToken(r.Context(), sc); err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.Redirect(rw, r, base+"?done=token-reset", http.StatusSeeOther)
}

// createToken makes a named token and shows it on the page this once; the
// answer is not a redirect because the token must not travel in a URL.
func (w *Web) createToken(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string) {
	in := actions_service.NamedTokenInput{
		Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), CreatedBy: signedIn(r).ID,
	}
	days, err1 := formInt(r, "expires_days")
	maxUses, err2 := formInt(r, "max_uses")
	if err1 != nil || err2 != nil || days < 0 || maxUses < 0 {
		w.renderRunners(rw, r, sc, base, http.StatusUnprocessableEntity, map[string]any{"TokenError": "Expiry and max uses must be whole numbers, 0 or more."})
		return
	}
	if days > 0 {
		in.ExpiresUnix = time.Now().Add(time.Duration(days) * 24 * time.Hour).Unix()
	}
	in.MaxUses = maxUses
	t, token, err := w.Actions.CreateRegistrationToken(r.Context(), sc, in)
	if err != nil {
		w.renderRunners(rw, r, sc, base, http.StatusUnprocessableEntity, map[string]any{"TokenError": userMessage(err)})
		return
	}
	w.renderRunners(rw, r, sc, base, http.StatusOK, map[string]any{"NewToken": token, "NewTokenName": t.Name})
}

func (w *Web) tokenAction(rw http.ResponseWriter, r *http.Request, sc identity.Scope, base string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such token.")
		return
	}
	switch op := r.PathValue("op"); op {
	case "disable", "enable":
		_, err = w.Actions.SetRegistrationTokenDisabled(r.Context(), sc, id, op == "disable")
	case "delete":
		err = w.Actions.DeleteRegistrationToken(r.Context(), sc, id)
	default:
		w.renderError(rw, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	http.Redirect(rw, r, base+"?done=token-"+r.PathValue("op")+"d", http.StatusSeeOther)
}

// formInt reads a whole number from the form; empty is 0.
func formInt(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

// userMessage is a service error's message without its kind prefix.
func userMessage(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, ": "); ok {
		return rest
	}
	return msg
}

func logError(r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "page failed", "method", r.Method, "path", r.URL.Path, "err", err)
}

// jobLinks remembers the repositories looked up for a page's job links.
type jobLinks map[int64]*identity.Repo

// jobLink is the page of a job and the name of its repository; both empty
// when the host no longer knows the repository.
func (w *Web) jobLink(r *http.Request, links jobLinks, j *actions_model.RunJob) (string, string) {
	repo, ok := links[j.RepoID]
	if !ok {
		var err error
		if repo, err = w.Identity.GetRepoByID(r.Context(), j.RepoID); err != nil {
			repo = nil
		}
		links[j.RepoID] = repo
	}
	if repo == nil {
		return "", ""
	}
	return jobURL(repo, j.RunID, j.ID), repo.FullName()
}
