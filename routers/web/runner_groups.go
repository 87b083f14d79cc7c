package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// The Runner groups pages of an organization and of the instance, beside
// their Runners pages: the list (and a form to create one), and a page per
// group with its runners, repositories, managers and registration token.
// A manager of a group sees only their groups and only the controls SPEC §9
// gives them: the token, the repositories, and disabling or deleting the
// group's runners.

const groupRunnersShown = 100

func (w *Web) registerRunnerGroupPages(mux *http.ServeMux) {
	w.handleGroupPages(mux, "GET", "", w.runnerGroupsPage)
	w.handleGroupPages(mux, "POST", "", w.createRunnerGroup)
	w.handleGroupPages(mux, "GET", "/{id}", w.runnerGroupPage)
	w.handleGroupPages(mux, "POST", "/{id}/{op}", w.runnerGroupAction)
}

// groupViewer says what the signed-in user may do on the pages: Owner
// manages the scope; otherwise they manage the group (or, on the list, some
// of the scope's groups).
type groupViewer struct {
	User  *identity.User
	Owner bool
}

type groupPage func(rw http.ResponseWriter, r *http.Request, sc identity.Scope, v groupViewer)

// groupsURL is the Runner groups page of an organization or the instance.
func groupsURL(sc identity.Scope) string {
	if sc.IsInstance() {
		return "/-/admin/actions/runner-groups"
	}
	return "/org/" + url.PathEscape(sc.Owner.Name) + "/settings/actions/runner-groups"
}

func groupURL(sc identity.Scope, id int64) string {
	return groupsURL(sc) + "/" + strconv.FormatInt(id, 10)
}

// handleGroupPages registers a page under the instance's and the
// organizations' prefixes. It runs for who manages the scope, and for a
// manager of the group in the path (or, for the list, of any of the
// scope's groups); others get sign-in, 404 or 403.
func (w *Web) handleGroupPages(mux *http.ServeMux, method, suffix string, h groupPage) {
	for _, p := range scopePages {
		if p.kind != adminPages && p.kind != orgPages {
			continue
		}
		kind := p.kind
		w.handle(mux, method+" "+p.prefix+"/actions/runner-groups"+suffix, func(rw http.ResponseWriter, r *http.Request) {
			if !requireSignIn(rw, r) {
				return
			}
			ctx, u := r.Context(), signedIn(r)
			sc, err := w.resolveScope(ctx, r, kind)
			if err != nil {
				w.renderServiceError(rw, r, err)
				return
			}
			owner, err := identity.CanManage(ctx, w.Identity, u, sc)
			ok := owner
			if err == nil && !owner {
				if s := r.PathValue("id"); s != "" {
					id, perr := strconv.ParseInt(s, 10, 64)
					if perr != nil {
						w.renderError(rw, r, http.StatusNotFound, "There is no such runner group.")
						return
					}
					ok, err = identity.CanManageRunnerGroup(ctx, w.Identity, u, sc, id)
				} else {
					ok, err = identity.ManagesAnyRunnerGroup(ctx, u, sc)
				}
			}
			if err == nil && !ok {
				err = errs.PermissionDenied
			}
			if err != nil {
				w.renderServiceError(rw, r, err)
				return
			}
			h(rw, r, sc, groupViewer{User: u, Owner: owner})
		})
	}
}

var groupFlashes = map[string]string{
	"created":         "The runner group was created.",
	"saved":           "The runner group was saved.",
	"deleted":         "The runner group was deleted; its runners are back in the default group.",
	"repo-added":      "The repository may now use this group's runners.",
	"repo-removed":    "The repository no longer uses this group's runners.",
	"org-added":       "The organization may now use this group's runners.",
	"org-removed":     "The organization no longer uses this group's runners.",
	"runner-added":    "The runner moved into this group.",
	"runner-removed":  "The runner went back to the default group.",
	"runner-disabled": "The runner was disabled: it finishes its current job and takes no new one.",
	"runner-enabled":  "The runner was enabled.",
	"runner-deleted":  "The runner was deleted.",
	"manager-added":   "The user now manages this group.",
	"manager-removed": "The user no longer manages this group.",
	"token-reset":     "The group's registration token was reset; the old one no longer works.",
}

// groupRow is a group as the list shows it.
type groupRow struct {
	ID               int64
	Name, Visibility string
	IsDefault        bool
	Runners          int64
	URL              string
}

func (w *Web) runnerGroupsPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, v groupViewer) {
	w.renderRunnerGroups(rw, r, sc, v, http.StatusOK, map[string]any{"Flash": groupFlashes[r.URL.Query().Get("done")]})
}

func (w *Web) renderRunnerGroups(rw http.ResponseWriter, r *http.Request, sc identity.Scope, v groupViewer, status int, extra map[string]any) {
	ctx := r.Context()
	var only []int64
	if !v.Owner {
		var err error
		if only, err = w.Actions.RunnerGroupIDsManagedBy(ctx, sc, v.User); err != nil {
			w.renderServiceError(rw, r, err)
			return
		}
	}
	gs, _, err := w.Actions.ListRunnerGroups(ctx, sc, only, 0, 0)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	rows := make([]groupRow, len(gs))
	for i, g := range gs {
		_, n, err := w.Actions.ListRunnerGroupRunners(ctx, sc, g.ID, 1, 1)
		if err != nil {
			w.renderServiceError(rw, r, err)
			return
		}
		rows[i] = groupRow{ID: g.ID, Name: visible(g.Name), Visibility: g.Visibility, IsDefault: g.IsDefault, Runners: n, URL: groupURL(sc, g.ID)}
	}
	data := map[string]any{
		"Title": "Runner groups", "ScopeName": scopeTitle(sc), "RunnersURL": runnersURL(sc), "BaseURL": groupsURL(sc),
		"Groups": rows, "Owner": v.Owner, "Instance": sc.IsInstance(),
	}
	for k, val := range extra {
		data[k] = val
	}
	w.render(rw, r, status, "runner_groups", data)
}

func (w *Web) createRunnerGroup(rw http.ResponseWriter, r *http.Request, sc identity.Scope, v groupViewer) {
	if !v.Owner {
		w.renderServiceError(rw, r, errs.PermissionDenied)
		return
	}
	name, visibility := r.PostFormValue("name"), r.PostFormValue("visibility")
	g, err := w.Actions.CreateRunnerGroup(r.Context(), sc, actions_service.RunnerGroupInput{Name: &name, Visibility: &visibility})
	if err != nil {
		w.formError(rw, r, err, func(msg string) {
			w.renderRunnerGroups(rw, r, sc, v, http.StatusUnprocessableEntity, map[string]any{"FormError": msg})
		})
		return
	}
	http.Redirect(rw, r, groupURL(sc, g.ID)+"?done=created", http.StatusSeeOther)
}

// formError shows a refused form on its page (show), and any other error
// as the page its kind calls for.
func (w *Web) formError(rw http.ResponseWriter, r *http.Request, err error, show func(msg string)) {
	if errors.Is(err, errs.InvalidArgument) || errors.Is(err, errs.AlreadyExists) {
		show(userMessage(err))
		return
	}
	if errors.Is(err, errs.NotFound) && r.Method == http.MethodPost {
		show(userMessage(err)) // an item named in the form, not the page, was not found
		return
	}
	w.renderServiceError(rw, r, err)
}

func (w *Web) runnerGroupPage(rw http.ResponseWriter, r *http.Request, sc identity.Scope, v groupViewer) {
	w.renderRunnerGroup(rw, r, sc, v, http.StatusOK, map[string]any{"Flash": groupFlashes[r.URL.Query().Get("done")]})
}

// option is a choice in a select.
type option struct {
	Value int64
	Label string
}

func (w *Web) renderRunnerGroup(rw http.ResponseWriter, r *http.Request, sc identity.Scope, v groupViewer, status int, extra map[string]any) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such runner group.")
		return
	}
	g, err := w.Actions.GetRunnerGroup(ctx, sc, id)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	runners, total, err := w.Actions.ListRunnerGroupRunners(ctx, sc, id, 1, groupRunnersShown)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	rows := make([]runnerRow, len(runners))
	links := jobLinks{}
	for i, rn := range runners {
		rows[i] = w.toRunnerRow(r, links, rn)
	}
	token, err := w.Actions.GroupRegistrationToken(ctx, sc, id)
	if err != nil {
		w.renderServiceError(rw, r, err)
		return
	}
	data := map[string]any{
		"Title": "Runner group " + g.Name, "ScopeName": scopeTitle(sc), "RunnersURL": runnersURL(sc), "GroupsURL": groupsURL(sc),
		"BaseURL": groupURL(sc, id), "Group": g, "GroupName": visible(g.Name), "Owner": v.Owner, "Instance": sc.IsInstance(),
		"Runners": rows, "RunnerTotal": total, "Token": token, "InstanceURL": w.Options.Server.RootURL,
	}
	if !g.IsDefault {
		if err := w.groupTargets(r, sc, g, data); err != nil {
			w.renderServiceError(rw, r, err)
			return
		}
	}
	if v.Owner {
		if err := w.groupOwnerData(r, sc, g, data); err != nil {
			w.renderServiceError(rw, r, err)
			return
		}
	}
	for k, val := range extra {
		data[k] = val
	}
	w.render(rw, r, status, "runner_group", data)
}

// groupTargets adds the group's repositories (and organizations) and, for
// an organization's group, the repositories that could be added.
func (w *Web) groupTargets(r *http.Request, sc identity.Scope, g *actions_model.RunnerGroup, data map[string]any) error {
	ctx := r.Context()
	repos, _, err := w.Actions.ListRunnerGroupRepos(ctx, sc, g.ID, 0, 0)
	if err != nil {
		return err
	}
	selected := map[int64]bool{}
	repoRows := make([]option, len(repos))
	for i, repo := range repos {
		selected[repo.ID] = true
		label := "repository " + strconv.FormatInt(repo.ID, 10)
		if repo.Owner.Name != "" {
			label = repo.FullName()
		}
		repoRows[i] = option{Value: repo.ID, Label: visible(label)}
	}
	data["Repos"] = repoRows
	if sc.IsInstance() {
		orgs, _, err := w.Actions.ListRunnerGroupOrgs(ctx, sc, g.ID, 0, 0)
		if err != nil {
			return err
		}
		orgRows := make([]option, len(orgs))
		for i, o := range orgs {
			orgRows[i] = option{Value: o.ID, Label: visible(cmpOr(o.Name, "organization "+strconv.FormatInt(o.ID, 10)))}
		}
		data["Orgs"] = orgRows
		return nil
	}
	all, err := w.Identity.ReposOf(ctx, sc.OwnerID())
	if err != nil {
		return err
	}
	var choices []option
	for _, repo := range all {
		if !selected[repo.ID] {
			choices = append(choices, option{Value: repo.ID, Label: visible(repo.Name)})
		}
	}
	data["RepoChoices"] = choices
	return nil
}

// groupOwnerData adds what only who manages the scope sees: the managers,
// and the scope's runners that could move into the group.
func (w *Web) groupOwnerData(r *http.Request, sc identity.Scope, g *actions_model.RunnerGroup, data map[string]any) error {
	ctx := r.Context()
	managers, _, err := w.Actions.ListRunnerGroupManagers(ctx, sc, g.ID, db.Page{})
	if err != nil {
		return err
	}
	names := make([]string, len(managers))
	for i, u := range managers {
		names[i] = visible(cmpOr(u.Name, "user "+strconv.FormatInt(u.ID, 10)))
	}
	data["Managers"] = names
	all, _, err := w.Actions.ListRunners(ctx, sc, actions_service.RunnerFilter{Page: 1, PageSize: groupRunnersShown * 2})
	if err != nil {
		return err
	}
	var choices []option
	for _, rn := range all {
		if rn.OwnerID == sc.OwnerID() && rn.RepoID == 0 && rn.RunnerGroupID != g.ID {
			label := rn.Name
			if rn.Group != nil {
				label += " (in " + rn.Group.Name + ")"
			}
			choices = append(choices, option{Value: rn.ID, Label: visible(label)})
		}
	}
	data["RunnerChoices"] = choices
	return nil
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// ownerOps are the actions only who manages the scope may take; a
// group's manager may take the others (the token, the repositories, and
// disabling or deleting the group's runners).
var ownerOps = map[string]bool{
	"edit": true, "delete": true, "add-org": true, "remove-org": true, "add-runner": true, "remove-runner": true,
	"add-manager": true, "remove-manager": true,
}

func (w *Web) runnerGroupAction(rw http.ResponseWriter, r *http.Request, sc identity.Scope, v groupViewer) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		w.renderError(rw, r, http.StatusNotFound, "There is no such runner group.")
		return
	}
	op := r.PathValue("op")
	if ownerOps[op] && !v.Owner {
		w.renderServiceError(rw, r, errs.PermissionDenied)
		return
	}
	formID := func(name string) (int64, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
		if err != nil {
			return 0, errs.Missing(errs.NotFound, name+" "+strconv.Quote(r.PostFormValue(name)))
		}
		return n, nil
	}
	var done string
	switch op {
	case "edit":
		name, visibility := r.PostFormValue("name"), r.PostFormValue("visibility")
		_, err = w.Actions.UpdateRunnerGroup(ctx, sc, id, actions_service.RunnerGroupInput{Name: &name, Visibility: &visibility})
		done = "saved"
	case "delete":
		if err = w.Actions.DeleteRunnerGroup(ctx, sc, id); err == nil {
			http.Redirect(rw, r, groupsURL(sc)+"?done=deleted", http.StatusSeeOther)
			return
		}
	case "add-repo", "remove-repo":
		var repoID int64
		if repoID, err = w.formRepo(r, sc); err == nil {
			if op == "add-repo" {
				err = w.Actions.AddRunnerGroupRepo(ctx, sc, id, repoID)
			} else {
				err = w.Actions.RemoveRunnerGroupRepo(ctx, sc, id, repoID)
			}
		}
		done = strings.TrimSuffix(op, "-repo")
		done = "repo-" + map[string]string{"add": "added", "remove": "removed"}[done]
	case "add-org", "remove-org":
		var orgID int64
		if orgID, err = w.formOrg(r); err == nil {
			if op == "add-org" {
				err = w.Actions.AddRunnerGroupOrg(ctx, sc, id, orgID)
			} else {
				err = w.Actions.RemoveRunnerGroupOrg(ctx, sc, id, orgID)
			}
		}
		done = "org-" + map[string]string{"add-org": "added", "remove-org": "removed"}[op]
	case "add-runner", "remove-runner":
		var runnerID int64
		if runnerID, err = formID("runner_id"); err == nil {
			if op == "add-runner" {
				err = w.Actions.AddRunnerToGroup(ctx, sc, id, runnerID)
			} else {
				err = w.Actions.RemoveRunnerFromGroup(ctx, sc, id, runnerID)
			}
		}
		done = "runner-" + map[string]string{"add-runner": "added", "remove-runner": "removed"}[op]
	case "disable-runner", "enable-runner", "delete-runner":
		var runnerID int64
		if runnerID, err = formID("runner_id"); err == nil {
			err = w.groupRunnerAction(r, sc, id, runnerID, strings.TrimSuffix(op, "-runner"))
		}
		done = "runner-" + strings.TrimSuffix(op, "-runner") + "d"
	case "add-manager":
		_, err = w.Actions.AddRunnerGroupManager(ctx, sc, id, r.PostFormValue("username"))
		done = "manager-added"
	case "remove-manager":
		err = w.Actions.RemoveRunnerGroupManager(ctx, sc, id, r.PostFormValue("username"))
		done = "manager-removed"
	case "reset-token":
		_, err = w.Actions.ResetGroupRegistrationToken(ctx, sc, id)
		done = "token-reset"
	default:
		w.renderError(rw, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		w.formError(rw, r, err, func(msg string) {
			w.renderRunnerGroup(rw, r, sc, v, http.StatusUnprocessableEntity, map[string]any{"FormError": msg})
		})
		return
	}
	http.Redirect(rw, r, groupURL(sc, id)+"?done="+done, http.StatusSeeOther)
}

// groupRunnerAction disables, enables or deletes a runner of the group:
// a runner elsewhere is not this page's, whoever asks.
func (w *Web) groupRunnerAction(r *http.Request, sc identity.Scope, groupID, runnerID int64, op string) error {
	rn, err := w.Actions.GetRunner(r.Context(), sc, runnerID)
	if err != nil {
		return err
	}
	if rn.RunnerGroupID != groupID {
		return errs.Missing(errs.NotFound, "runner "+strconv.FormatInt(runnerID, 10)+" of this group")
	}
	if op == "delete" {
		return w.Actions.DeleteRunner(r.Context(), sc, runnerID)
	}
	_, err = w.Actions.SetRunnerDisabled(r.Context(), sc, runnerID, op == "disable")
	return err
}

// formRepo reads the form's repository: an id (the organization page's
// select) or owner/name (typed on the instance's page).
func (w *Web) formRepo(r *http.Request, sc identity.Scope) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue("repo"))
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return id, nil
	}
	ref, err := identity.ParseScopeRef(s)
	if err != nil || ref.Kind != identity.RepoKind {
		return 0, errs.Missing(errs.NotFound, "repository "+strconv.Quote(s)+" (name it owner/name)")
	}
	repoScope, err := identity.ResolveScope(r.Context(), w.Identity, ref)
	if err != nil {
		return 0, err
	}
	return repoScope.RepoID(), nil
}

// formOrg reads the form's organization: an id or a name.
func (w *Web) formOrg(r *http.Request) (int64, error) {
	s := strings.TrimSpace(r.PostFormValue("org"))
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return id, nil
	}
	sc, err := identity.ResolveScope(r.Context(), w.Identity, identity.ScopeRef{Kind: identity.OrgKind, Owner: s})
	if err != nil {
		return 0, err
	}
	return sc.OwnerID(), nil
}

// managedGroupLinks lists the groups u manages, for the home page.
func (w *Web) managedGroupLinks(r *http.Request, u *identity.User) ([]scopeLink, error) {
	gs, err := w.Actions.RunnerGroupsManagedBy(r.Context(), u)
	if err != nil {
		return nil, err
	}
	out := make([]scopeLink, len(gs))
	for i, mg := range gs {
		out[i] = scopeLink{Name: visible(mg.Group.Name) + " — " + scopeTitle(mg.Scope), URL: groupURL(mg.Scope, mg.Group.ID)}
	}
	return out, nil
}
