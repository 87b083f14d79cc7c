package v1

import (
	"fmt"
	"net/http"
	"strconv"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// GitHub's runner-groups API (SPEC §9) at /orgs/{org} and /admin, with the
// groups' managers and own registration tokens.
//
// Who may call what: the org's owners (admins for the instance) everything;
// a manager of a group only what the "manager" column below allows, on that
// group: reading it, its repositories and runners, changing its
// repositories, and its registration token (and, in action_runner.go, the
// group's runners at /actions/runners/{id}). Every other route refuses them.

// groupAccess says who besides the scope's managers may call a route.
type groupAccess int

const (
	ownersOnly    groupAccess = iota // the scope's managers (org owners, admins)
	groupManagers                    // also the managers of the group in the path
)

// GroupHandler handles a runner-group request in a resolved scope.
type GroupHandler func(w http.ResponseWriter, r *http.Request, sc identity.Scope)

const runnerGroupsPath = "/actions/runner-groups"

func (a *API) registerRunnerGroupRoutes() {
	const (
		base  = runnerGroupsPath
		group = base + "/{runner_group_id}"
		both  = OrgScope | AdminScope
	)
	a.HandleGroups("GET", both, base, groupManagers, a.listRunnerGroups)
	a.HandleGroups("POST", both, base, ownersOnly, a.createRunnerGroup)
	a.HandleGroups("GET", both, group, groupManagers, a.getRunnerGroup)
	a.HandleGroups("PATCH", both, group, ownersOnly, a.updateRunnerGroup)
	a.HandleGroups("DELETE", both, group, ownersOnly, a.deleteRunnerGroup)

	a.HandleGroups("GET", both, group+"/repositories", groupManagers, a.listRunnerGroupRepos)
	a.HandleGroups("PUT", both, group+"/repositories", groupManagers, a.setRunnerGroupRepos)
	a.HandleGroups("PUT", both, group+"/repositories/{repository_id}", groupManagers, a.addRunnerGroupRepo)
	a.HandleGroups("DELETE", both, group+"/repositories/{repository_id}", groupManagers, a.removeRunnerGroupRepo)

	a.HandleGroups("GET", AdminScope, group+"/organizations", ownersOnly, a.listRunnerGroupOrgs)
	a.HandleGroups("PUT", AdminScope, group+"/organizations", ownersOnly, a.setRunnerGroupOrgs)
	a.HandleGroups("PUT", AdminScope, group+"/organizations/{org_id}", ownersOnly, a.addRunnerGroupOrg)
	a.HandleGroups("DELETE", AdminScope, group+"/organizations/{org_id}", ownersOnly, a.removeRunnerGroupOrg)

	a.HandleGroups("GET", both, group+"/runners", groupManagers, a.listRunnerGroupRunners)
	a.HandleGroups("PUT", both, group+"/runners", ownersOnly, a.setRunnerGroupRunners)
	a.HandleGroups("PUT", both, group+"/runners/{runner_id}", ownersOnly, a.addRunnerGroupRunner)
	a.HandleGroups("DELETE", both, group+"/runners/{runner_id}", ownersOnly, a.removeRunnerGroupRunner)

	a.HandleGroups("GET", both, group+"/managers", ownersOnly, a.listRunnerGroupManagers)
	a.HandleGroups("PUT", both, group+"/managers/{username}", ownersOnly, a.addRunnerGroupManager)
	a.HandleGroups("DELETE", both, group+"/managers/{username}", ownersOnly, a.removeRunnerGroupManager)

	a.HandleGroups("POST", both, group+"/registration-token", groupManagers, a.groupRegistrationToken)
	a.HandleGroups("POST", both, group+"/registration-token/reset", groupManagers, a.resetGroupRegistrationToken)
}

// HandleGroups registers a runner-group route like HandleScoped does, and
// with access groupManagers also lets a manager of the group named in the
// path (or, on the list, of any group of the scope) through.
func (a *API) HandleGroups(method string, kinds ScopeKinds, suffix string, access groupAccess, h GroupHandler) {
	for _, p := range scopePrefixes {
		if kinds&p.kind == 0 {
			continue
		}
		kind := p.kind
		a.Handle(method+" "+p.prefix+suffix, func(w http.ResponseWriter, r *http.Request) {
			sc, err := a.ResolveScope(r.Context(), r, kind)
			if err == nil {
				err = a.checkGroupAccess(r, sc, access)
			}
			if err != nil {
				WriteError(w, r, err)
				return
			}
			h(w, r, sc)
		})
	}
}

func (a *API) checkGroupAccess(r *http.Request, sc identity.Scope, access groupAccess) error {
	ctx, u := r.Context(), Caller(r)
	err := identity.CheckManage(ctx, a.Identity, u, sc)
	if err == nil || access == ownersOnly {
		return err
	}
	if r.PathValue("runner_group_id") == "" { // the list: their groups only
		if ok, lerr := identity.ManagesAnyRunnerGroup(ctx, u, sc); lerr != nil || ok {
			return lerr
		}
		return err
	}
	id, perr := PathID(r, "runner_group_id")
	if perr != nil {
		return perr
	}
	return identity.CheckManageRunnerGroup(ctx, a.Identity, u, sc, id)
}

// HandleRunnerScoped registers a route on one runner (…/actions/runners/{id})
// like HandleScoped, and also lets the managers of the group the runner is
// in through: they may read, disable and delete their group's runners.
func (a *API) HandleRunnerScoped(method string, kinds ScopeKinds, suffix string, h ScopedHandler) {
	for _, p := range scopePrefixes {
		if kinds&p.kind == 0 {
			continue
		}
		kind := p.kind
		a.Handle(method+" "+p.prefix+suffix, func(w http.ResponseWriter, r *http.Request) {
			sc, err := a.ResolveScope(r.Context(), r, kind)
			if err == nil {
				err = a.authorize(r, sc, identity.AccessAdmin)
			}
			if err != nil && kind&(OrgScope|AdminScope) != 0 && !isNotFound(err) {
				if id, perr := PathID(r, "id"); perr == nil {
					if ok, merr := identity.CanManageGroupRunner(r.Context(), a.Identity, Caller(r), sc, id); merr != nil || ok {
						err = merr
					}
				}
			}
			if err != nil {
				WriteError(w, r, err)
				return
			}
			h(w, r, sc)
		})
	}
}

func isNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// apiRunnerGroup is GitHub's runner group JSON.
type apiRunnerGroup struct {
	ID                       int64    `json:"id"`
	Name                     string   `json:"name"`
	Visibility               string   `json:"visibility"`
	Default                  bool     `json:"default"`
	SelectedRepositoriesURL  string   `json:"selected_repositories_url,omitempty"`
	SelectedOrganizationsURL string   `json:"selected_organizations_url,omitempty"`
	RunnersURL               string   `json:"runners_url"`
	Inherited                bool     `json:"inherited"`
	RestrictedToWorkflows    bool     `json:"restricted_to_workflows"`
	SelectedWorkflows        []string `json:"selected_workflows"`
}

type apiRunnerGroupList struct {
	TotalCount   int64            `json:"total_count"`
	RunnerGroups []apiRunnerGroup `json:"runner_groups"`
}

// groupURL is the API address of a group of sc.
func (a *API) groupURL(sc identity.Scope, id int64) string {
	scope := "admin"
	if !sc.IsInstance() {
		scope = "orgs/" + sc.Owner.Name
	}
	return a.Options.Server.RootURL + "api/v1/" + scope + runnerGroupsPath + "/" + strconv.FormatInt(id, 10)
}

func (a *API) toAPIRunnerGroup(sc identity.Scope, g *actions_model.RunnerGroup) apiRunnerGroup {
	url := a.groupURL(sc, g.ID)
	out := apiRunnerGroup{
		ID: g.ID, Name: g.Name, Visibility: g.Visibility, Default: g.IsDefault,
		RunnersURL: url + "/runners", SelectedWorkflows: []string{},
	}
	if g.IsSelected() {
		out.SelectedRepositoriesURL = url + "/repositories"
		if sc.IsInstance() {
			out.SelectedOrganizationsURL = url + "/organizations"
		}
	}
	return out
}

func (a *API) listRunnerGroups(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var only []int64 // nil: all of them
	if ok, err := identity.CanManage(r.Context(), a.Identity, Caller(r), sc); err != nil {
		WriteError(w, r, err)
		return
	} else if !ok {
		if only, err = a.Actions.RunnerGroupIDsManagedBy(r.Context(), sc, Caller(r)); err != nil {
			WriteError(w, r, err)
			return
		}
	}
	gs, total, err := a.Actions.ListRunnerGroups(r.Context(), sc, only, p.Page, p.PageSize)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiRunnerGroupList{TotalCount: total, RunnerGroups: make([]apiRunnerGroup, len(gs))}
	for i, g := range gs {
		out.RunnerGroups[i] = a.toAPIRunnerGroup(sc, g)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

// runnerGroupOption is the body of a group's creation (all fields) and
// change (name, visibility and the workflow fields).
type runnerGroupOption struct {
	Name                    *string  `json:"name"`
	Visibility              *string  `json:"visibility"`
	SelectedRepositoryIDs   *[]int64 `json:"selected_repository_ids"`
	SelectedOrganizationIDs *[]int64 `json:"selected_organization_ids"`
	Runners                 *[]int64 `json:"runners"`
	// Runnerhub runs any workflow on a group's runners: asking to restrict
	// them is refused rather than ignored. allows_public_repositories is
	// accepted and means nothing: Runnerhub has no public repositories.
	RestrictedToWorkflows    bool     `json:"restricted_to_workflows"`
	SelectedWorkflows        []string `json:"selected_workflows"`
	AllowsPublicRepositories *bool    `json:"allows_public_repositories"`
}

func (o *runnerGroupOption) check() error {
	if o.RestrictedToWorkflows || len(o.SelectedWorkflows) > 0 {
		return fmt.Errorf("%w: restricting a runner group to workflows is not supported", errs.InvalidArgument)
	}
	return nil
}

func (a *API) createRunnerGroup(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	var in runnerGroupOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	if err := in.check(); err != nil {
		WriteError(w, r, err)
		return
	}
	g, err := a.Actions.CreateRunnerGroup(r.Context(), sc, actions_service.RunnerGroupInput{
		Name: in.Name, Visibility: in.Visibility, RepoIDs: in.SelectedRepositoryIDs, OrgIDs: in.SelectedOrganizationIDs, RunnerIDs: in.Runners,
	})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, a.toAPIRunnerGroup(sc, g))
}

// groupID reads the path's group id; anything else names no group (404).
func groupID(r *http.Request) (int64, error) { return PathID(r, "runner_group_id") }

func (a *API) getRunnerGroup(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := groupID(r)
	if err == nil {
		var g *actions_model.RunnerGroup
		if g, err = a.Actions.GetRunnerGroup(r.Context(), sc, id); err == nil {
			WriteJSON(w, http.StatusOK, a.toAPIRunnerGroup(sc, g))
			return
		}
	}
	WriteError(w, r, err)
}

func (a *API) updateRunnerGroup(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	id, err := groupID(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var in runnerGroupOption
	if err := a.DecodeJSON(w, r, &in); err != nil {
		WriteError(w, r, err)
		return
	}
	if err := in.check(); err != nil {
		WriteError(w, r, err)
		return
	}
	g, err := a.Actions.UpdateRunnerGroup(r.Context(), sc, id, actions_service.RunnerGroupInput{Name: in.Name, Visibility: in.Visibility})
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, a.toAPIRunnerGroup(sc, g))
}

func (a *API) deleteRunnerGroup(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupCall(w, r, func(id int64) error { return a.Actions.DeleteRunnerGroup(r.Context(), sc, id) })
}

// groupCall runs a change to the path's group and answers 204.
func (a *API) groupCall(w http.ResponseWriter, r *http.Request, fn func(id int64) error) {
	id, err := groupID(r)
	if err == nil {
		err = fn(id)
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// groupItemCall runs a change about one item of the path's group (a
// repository, organization or runner named by its id) and answers 204.
func (a *API) groupItemCall(w http.ResponseWriter, r *http.Request, item string, fn func(id, itemID int64) error) {
	a.groupCall(w, r, func(id int64) error {
		itemID, err := PathID(r, item)
		if err != nil {
			return err
		}
		return fn(id, itemID)
	})
}

// decodeIDs reads {"<field>": [ids]}; the field is required.
func (a *API) decodeIDs(w http.ResponseWriter, r *http.Request, field string) ([]int64, error) {
	var in map[string]*[]int64
	if err := a.DecodeJSON(w, r, &in); err != nil {
		return nil, err
	}
	ids := in[field]
	if ids == nil {
		return nil, fmt.Errorf("%w: %q is required", errs.InvalidArgument, field)
	}
	return *ids, nil
}

type apiRepoList struct {
	TotalCount   int64     `json:"total_count"`
	Repositories []apiRepo `json:"repositories"`
}

func (a *API) listRunnerGroupRepos(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	id, err := groupID(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	repos, total, err := a.Actions.ListRunnerGroupRepos(r.Context(), sc, id, p.Page, p.PageSize)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiRepoList{TotalCount: total, Repositories: make([]apiRepo, len(repos))}
	for i, repo := range repos {
		out.Repositories[i] = a.toAPIRepo(repo, nil)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) setRunnerGroupRepos(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupCall(w, r, func(id int64) error {
		ids, err := a.decodeIDs(w, r, "selected_repository_ids")
		if err != nil {
			return err
		}
		return a.Actions.SetRunnerGroupRepos(r.Context(), sc, id, ids)
	})
}

func (a *API) addRunnerGroupRepo(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupItemCall(w, r, "repository_id", func(id, repoID int64) error {
		return a.Actions.AddRunnerGroupRepo(r.Context(), sc, id, repoID)
	})
}

func (a *API) removeRunnerGroupRepo(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupItemCall(w, r, "repository_id", func(id, repoID int64) error {
		return a.Actions.RemoveRunnerGroupRepo(r.Context(), sc, id, repoID)
	})
}

type apiOrgList struct {
	TotalCount    int64    `json:"total_count"`
	Organizations []apiOrg `json:"organizations"`
}

func (a *API) listRunnerGroupOrgs(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	id, err := groupID(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	orgs, total, err := a.Actions.ListRunnerGroupOrgs(r.Context(), sc, id, p.Page, p.PageSize)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiOrgList{TotalCount: total, Organizations: make([]apiOrg, len(orgs))}
	for i, o := range orgs {
		out.Organizations[i] = toAPIOrg(o)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) setRunnerGroupOrgs(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupCall(w, r, func(id int64) error {
		ids, err := a.decodeIDs(w, r, "selected_organization_ids")
		if err != nil {
			return err
		}
		return a.Actions.SetRunnerGroupOrgs(r.Context(), sc, id, ids)
	})
}

func (a *API) addRunnerGroupOrg(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupItemCall(w, r, "org_id", func(id, orgID int64) error {
		return a.Actions.AddRunnerGroupOrg(r.Context(), sc, id, orgID)
	})
}

func (a *API) removeRunnerGroupOrg(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupItemCall(w, r, "org_id", func(id, orgID int64) error {
		return a.Actions.RemoveRunnerGroupOrg(r.Context(), sc, id, orgID)
	})
}

func (a *API) listRunnerGroupRunners(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	id, err := groupID(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	rs, total, err := a.Actions.ListRunnerGroupRunners(r.Context(), sc, id, p.Page, p.PageSize)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiRunnerList{Runners: make([]apiRunner, len(rs)), TotalCount: total}
	for i, rn := range rs {
		out.Runners[i] = toAPIRunner(rn)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) setRunnerGroupRunners(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupCall(w, r, func(id int64) error {
		ids, err := a.decodeIDs(w, r, "runners")
		if err != nil {
			return err
		}
		return a.Actions.SetRunnerGroupRunners(r.Context(), sc, id, ids)
	})
}

func (a *API) addRunnerGroupRunner(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupItemCall(w, r, "runner_id", func(id, runnerID int64) error {
		return a.Actions.AddRunnerToGroup(r.Context(), sc, id, runnerID)
	})
}

func (a *API) removeRunnerGroupRunner(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupItemCall(w, r, "runner_id", func(id, runnerID int64) error {
		return a.Actions.RemoveRunnerFromGroup(r.Context(), sc, id, runnerID)
	})
}

type apiManagerList struct {
	TotalCount int64     `json:"total_count"`
	Managers   []apiUser `json:"managers"`
}

func (a *API) listRunnerGroupManagers(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	p, err := a.ParsePagination(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	id, err := groupID(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	us, total, err := a.Actions.ListRunnerGroupManagers(r.Context(), sc, id, p.DB())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	out := apiManagerList{TotalCount: total, Managers: make([]apiUser, len(us))}
	for i, u := range us {
		out.Managers[i] = toAPIUser(u)
	}
	a.SetPage(w, r, p, total)
	WriteJSON(w, http.StatusOK, out)
}

func (a *API) addRunnerGroupManager(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupCall(w, r, func(id int64) error {
		_, err := a.Actions.AddRunnerGroupManager(r.Context(), sc, id, r.PathValue("username"))
		return err
	})
}

func (a *API) removeRunnerGroupManager(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupCall(w, r, func(id int64) error {
		return a.Actions.RemoveRunnerGroupManager(r.Context(), sc, id, r.PathValue("username"))
	})
}

func (a *API) groupRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupToken(w, r, func(id int64) (string, error) { return a.Actions.GroupRegistrationToken(r.Context(), sc, id) })
}

func (a *API) resetGroupRegistrationToken(w http.ResponseWriter, r *http.Request, sc identity.Scope) {
	a.groupToken(w, r, func(id int64) (string, error) { return a.Actions.ResetGroupRegistrationToken(r.Context(), sc, id) })
}

func (a *API) groupToken(w http.ResponseWriter, r *http.Request, fn func(id int64) (string, error)) {
	id, err := groupID(r)
	var token string
	if err == nil {
		token, err = fn(id)
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, apiRegistrationToken{Token: token})
}
