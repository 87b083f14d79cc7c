package integration

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// groupsWorld is the cast of the runner-group tests: an admin, the owner of
// orgs acme (repositories app and lib) and other (repository x), dev (who
// will manage a group) and a stranger.
type groupsWorld struct {
	s                           *testserver.Server
	admin, owner, dev, stranger apiCaller
	devUser                     *identity.User
	acme, other                 identity.Scope
	app, lib, x                 *identity.Repo
}

func newGroupsWorld(t *testing.T, s *testserver.Server) *groupsWorld {
	t.Helper()
	w := &groupsWorld{s: s}
	_, w.admin = newUser(t, s, "root", true)
	ownerUser, owner := newUser(t, s, "orgowner", false)
	w.owner = owner
	w.devUser, w.dev = newUser(t, s, "dev", false)
	_, w.stranger = newUser(t, s, "stranger", false)
	acc := s.App.Accounts()
	acme, err := acc.CreateOrg(s.Ctx, ownerUser, "acme")
	require.NoError(t, err)
	other, err := acc.CreateOrg(s.Ctx, ownerUser, "other")
	require.NoError(t, err)
	w.acme, w.other = identity.OwnerScope(acme), identity.OwnerScope(other)
	for name, p := range map[string]**identity.Repo{"app": &w.app, "lib": &w.lib} {
		*p, err = acc.CreateRepo(s.Ctx, ownerUser, acme, name)
		require.NoError(t, err)
	}
	w.x, err = acc.CreateRepo(s.Ctx, ownerUser, other, "x")
	require.NoError(t, err)
	return w
}

// apiGroup is the runner group JSON the tests read.
type apiGroup struct {
	ID                       int64    `json:"id"`
	Name                     string   `json:"name"`
	Visibility               string   `json:"visibility"`
	Default                  bool     `json:"default"`
	SelectedRepositoriesURL  string   `json:"selected_repositories_url"`
	SelectedOrganizationsURL string   `json:"selected_organizations_url"`
	RunnersURL               string   `json:"runners_url"`
	Inherited                bool     `json:"inherited"`
	RestrictedToWorkflows    bool     `json:"restricted_to_workflows"`
	SelectedWorkflows        []string `json:"selected_workflows"`
}

type apiGroupRunner struct {
	ID              int64   `json:"id"`
	RunnerGroupID   *int64  `json:"runner_group_id"`
	RunnerGroupName *string `json:"runner_group_name"`
}

func (w *groupsWorld) createGroup(t *testing.T, c apiCaller, prefix string, body map[string]any) apiGroup {
	t.Helper()
	res := c.do(t, "POST", prefix+"/actions/runner-groups", body)
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var g apiGroup
	res.decode(t, &g)
	return g
}

func expect(t *testing.T, res apiResponse, status int) {
	t.Helper()
	require.Equal(t, status, res.Status, "%s", res.Body)
}

// TestRunnerGroupsAPI_GitHubShapes walks GitHub's runner-groups API at org
// scope: JSON, status codes and paging, and the runner JSON's group.
func TestRunnerGroupsAPI_GitHubShapes(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		const org = "/api/v1/orgs/acme"
		r1 := s.Register(t, s.RegistrationToken(t, w.acme), "r1", []string{"linux"}, false)
		r2 := s.Register(t, s.RegistrationToken(t, w.acme), "r2", []string{"linux"}, false)

		res := w.owner.do(t, "GET", org+"/actions/runner-groups", nil)
		expect(t, res, http.StatusOK)
		var list struct {
			TotalCount   int64      `json:"total_count"`
			RunnerGroups []apiGroup `json:"runner_groups"`
		}
		res.decode(t, &list)
		require.EqualValues(t, 1, list.TotalCount)
		def := list.RunnerGroups[0]
		assert.Equal(t, apiGroup{ID: def.ID, Name: "Default", Visibility: "all", Default: true,
			RunnersURL: s.URL + org + "/actions/runner-groups/" + strconv.FormatInt(def.ID, 10) + "/runners", SelectedWorkflows: []string{}}, def)

		g := w.createGroup(t, w.owner, org, map[string]any{
			"name": "builders", "visibility": "selected", "selected_repository_ids": []int64{w.app.ID}, "runners": []int64{r1.ID},
		})
		base := org + "/actions/runner-groups/" + strconv.FormatInt(g.ID, 10)
		assert.Equal(t, "builders", g.Name)
		assert.Equal(t, "selected", g.Visibility)
		assert.False(t, g.Default)
		assert.Equal(t, s.URL+base+"/repositories", g.SelectedRepositoriesURL)
		assert.Empty(t, g.SelectedOrganizationsURL, "org groups select repositories only")

		// Paging: per_page and page, X-Total-Count.
		res = w.owner.do(t, "GET", org+"/actions/runner-groups?per_page=1&page=2", nil)
		expect(t, res, http.StatusOK)
		res.decode(t, &list)
		assert.EqualValues(t, 2, list.TotalCount)
		require.Len(t, list.RunnerGroups, 1)
		assert.Equal(t, g.ID, list.RunnerGroups[0].ID, "the default group first, then by creation")
		assert.Equal(t, "2", res.Header.Get("X-Total-Count"))

		res = w.owner.do(t, "GET", base, nil)
		expect(t, res, http.StatusOK)
		var got apiGroup
		res.decode(t, &got)
		assert.Equal(t, g, got)

		res = w.owner.do(t, "PATCH", base, map[string]any{"name": "build farm", "visibility": "all"})
		expect(t, res, http.StatusOK)
		got = apiGroup{}
		res.decode(t, &got)
		assert.Equal(t, "build farm", got.Name)
		assert.Equal(t, "all", got.Visibility)
		assert.Empty(t, got.SelectedRepositoriesURL)

		// Repositories: a set, one more, one less.
		expect(t, w.owner.do(t, "PUT", base+"/repositories", map[string]any{"selected_repository_ids": []int64{w.app.ID, w.lib.ID}}), http.StatusNoContent)
		expect(t, w.owner.do(t, "DELETE", base+"/repositories/"+strconv.FormatInt(w.app.ID, 10), nil), http.StatusNoContent)
		expect(t, w.owner.do(t, "PUT", base+"/repositories/"+strconv.FormatInt(w.app.ID, 10), nil), http.StatusNoContent)
		expect(t, w.owner.do(t, "PUT", base+"/repositories/"+strconv.FormatInt(w.app.ID, 10), nil), http.StatusNoContent) // again: no change
		res = w.owner.do(t, "GET", base+"/repositories", nil)
		expect(t, res, http.StatusOK)
		var repos struct {
			TotalCount   int64 `json:"total_count"`
			Repositories []struct {
				ID       int64  `json:"id"`
				FullName string `json:"full_name"`
			} `json:"repositories"`
		}
		res.decode(t, &repos)
		require.EqualValues(t, 2, repos.TotalCount)
		assert.Equal(t, "acme/lib", repos.Repositories[0].FullName)
		assert.Equal(t, "acme/app", repos.Repositories[1].FullName)

		// Runners: r1 is in from creation; r2 joins; r1 leaves for the default group.
		expect(t, w.owner.do(t, "PUT", base+"/runners/"+strconv.FormatInt(r2.ID, 10), nil), http.StatusNoContent)
		expect(t, w.owner.do(t, "DELETE", base+"/runners/"+strconv.FormatInt(r1.ID, 10), nil), http.StatusNoContent)
		res = w.owner.do(t, "GET", base+"/runners", nil)
		expect(t, res, http.StatusOK)
		var runners struct {
			TotalCount int64            `json:"total_count"`
			Runners    []apiGroupRunner `json:"runners"`
		}
		res.decode(t, &runners)
		require.EqualValues(t, 1, runners.TotalCount)
		assert.Equal(t, r2.ID, runners.Runners[0].ID)
		assert.Equal(t, "1", res.Header.Get("X-Total-Count"))
		runnerJSON := func(id int64) apiGroupRunner {
			res := w.owner.do(t, "GET", org+"/actions/runners/"+strconv.FormatInt(id, 10), nil)
			expect(t, res, http.StatusOK)
			var r apiGroupRunner
			res.decode(t, &r)
			return r
		}
		got2 := runnerJSON(r2.ID)
		require.NotNil(t, got2.RunnerGroupID)
		assert.Equal(t, g.ID, *got2.RunnerGroupID)
		assert.Equal(t, "build farm", *got2.RunnerGroupName)
		assert.Equal(t, def.ID, *runnerJSON(r1.ID).RunnerGroupID)
		// PUT a set: r1 in, r2 back to the default group.
		expect(t, w.owner.do(t, "PUT", base+"/runners", map[string]any{"runners": []int64{r1.ID}}), http.StatusNoContent)
		assert.Equal(t, g.ID, *runnerJSON(r1.ID).RunnerGroupID)
		assert.Equal(t, def.ID, *runnerJSON(r2.ID).RunnerGroupID)

		// A repository runner is in no group: its JSON has none.
		rr := s.Register(t, s.RegistrationToken(t, identity.RepoScope(w.app)), "repo", []string{"linux"}, false)
		res = w.owner.do(t, "GET", "/api/v1/repos/acme/app/actions/runners/"+strconv.FormatInt(rr.ID, 10), nil)
		expect(t, res, http.StatusOK)
		assert.NotContains(t, string(res.Body), "runner_group_id")

		// The group's own registration token, and a reset.
		res = w.owner.do(t, "POST", base+"/registration-token", nil)
		expect(t, res, http.StatusOK)
		var tok struct{ Token string }
		res.decode(t, &tok)
		joined := s.Register(t, tok.Token, "joined", []string{"linux"}, false)
		assert.Equal(t, g.ID, *runnerJSON(joined.ID).RunnerGroupID)
		res = w.owner.do(t, "POST", base+"/registration-token/reset", nil)
		expect(t, res, http.StatusOK)
		var reset struct{ Token string }
		res.decode(t, &reset)
		assert.NotEqual(t, tok.Token, reset.Token)

		// Managers.
		expect(t, w.owner.do(t, "PUT", base+"/managers/dev", nil), http.StatusNoContent)
		res = w.owner.do(t, "GET", base+"/managers", nil)
		expect(t, res, http.StatusOK)
		var managers struct {
			TotalCount int64 `json:"total_count"`
			Managers   []struct {
				Login string `json:"login"`
			} `json:"managers"`
		}
		res.decode(t, &managers)
		require.EqualValues(t, 1, managers.TotalCount)
		assert.Equal(t, "dev", managers.Managers[0].Login)
		expect(t, w.owner.do(t, "DELETE", base+"/managers/dev", nil), http.StatusNoContent)

		// Delete: 204, and its runners are back in the default group.
		expect(t, w.owner.do(t, "DELETE", base, nil), http.StatusNoContent)
		assert.Equal(t, def.ID, *runnerJSON(r1.ID).RunnerGroupID)
		assert.Equal(t, def.ID, *runnerJSON(joined.ID).RunnerGroupID)
		expect(t, w.owner.do(t, "GET", base, nil), http.StatusNotFound)
	})
}

// TestRunnerGroupsAPI_InstanceGroupsSelectOrganizations: the admin's groups
// at /admin, limited to organizations and repositories.
func TestRunnerGroupsAPI_InstanceGroupsSelectOrganizations(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		g := w.createGroup(t, w.admin, "/api/v1/admin", map[string]any{
			"name": "acme fleet", "visibility": "selected", "selected_organization_ids": []int64{w.acme.OwnerID()},
		})
		base := "/api/v1/admin/actions/runner-groups/" + strconv.FormatInt(g.ID, 10)
		assert.Equal(t, s.URL+base+"/organizations", g.SelectedOrganizationsURL)
		expect(t, w.admin.do(t, "PUT", base+"/organizations/"+strconv.FormatInt(w.other.OwnerID(), 10), nil), http.StatusNoContent)
		res := w.admin.do(t, "GET", base+"/organizations", nil)
		expect(t, res, http.StatusOK)
		var orgs struct {
			TotalCount    int64 `json:"total_count"`
			Organizations []struct {
				Name string `json:"name"`
			} `json:"organizations"`
		}
		res.decode(t, &orgs)
		require.EqualValues(t, 2, orgs.TotalCount)
		assert.Equal(t, "acme", orgs.Organizations[0].Name)
		expect(t, w.admin.do(t, "PUT", base+"/organizations", map[string]any{"selected_organization_ids": []int64{}}), http.StatusNoContent)
		expect(t, w.admin.do(t, "PUT", base+"/repositories/"+strconv.FormatInt(w.x.ID, 10), nil), http.StatusNoContent)

		// Its runners take the selected repository's jobs only.
		r := s.Register(t, mustToken(t, w.admin, base), "fleet", []string{"linux"}, false)
		s.QueueJobs(t, testserver.Repo{OwnerID: w.acme.OwnerID(), RepoID: w.app.ID}, []string{"linux"})
		assert.Nil(t, fetch(t, r), "acme/app is not selected")
		s.QueueJobs(t, testserver.Repo{OwnerID: w.other.OwnerID(), RepoID: w.x.ID}, []string{"linux"})
		assert.NotNil(t, fetch(t, r), "other/x is")

		expect(t, w.owner.do(t, "GET", "/api/v1/admin/actions/runner-groups", nil), http.StatusForbidden)
		expect(t, w.admin.do(t, "GET", "/api/v1/orgs/acme/actions/runner-groups/"+strconv.FormatInt(g.ID, 10), nil), http.StatusNotFound)
	})
}

func mustToken(t *testing.T, c apiCaller, base string) string {
	t.Helper()
	res := c.do(t, "POST", base+"/registration-token", nil)
	expect(t, res, http.StatusOK)
	var tok struct{ Token string }
	res.decode(t, &tok)
	return tok.Token
}

// TestRunnerGroupsAPI_ManagerHasExactlyTheRightsOfSPEC9: dev manages one
// group of acme. Every runner-group, runner, token and hook route of acme
// is tried as dev: the ones SPEC §9 lists answer as for the owner, on dev's
// group and its runners only; every other answers 403 or 404.
func TestRunnerGroupsAPI_ManagerHasExactlyTheRightsOfSPEC9(t *testing.T) {
	noLimit := func(o *options.Options) { o.API.RateLimit = 0 }
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		const org = "/api/v1/orgs/acme"
		mine := w.createGroup(t, w.owner, org, map[string]any{"name": "mine", "visibility": "selected"})
		theirs := w.createGroup(t, w.owner, org, map[string]any{"name": "theirs"})
		otherOrg := w.createGroup(t, w.owner, "/api/v1/orgs/other", map[string]any{"name": "elsewhere"})
		expect(t, w.owner.do(t, "PUT", fmt.Sprintf("%s/actions/runner-groups/%d/managers/dev", org, mine.ID), nil), http.StatusNoContent)
		// dev also manages a group of other, which gives nothing in acme.
		expect(t, w.owner.do(t, "PUT", fmt.Sprintf("/api/v1/orgs/other/actions/runner-groups/%d/managers/dev", otherOrg.ID), nil), http.StatusNoContent)

		newRunner := func(group int64) int64 {
			tok := mustToken(t, w.owner, fmt.Sprintf("%s/actions/runner-groups/%d", org, group))
			return s.Register(t, tok, "r", []string{"linux"}, false).ID
		}
		g := func(id int64) string { return fmt.Sprintf("%s/actions/runner-groups/%d", org, id) }
		type route struct {
			method, path string
			body         any
			ok           int // the answer to the owner, and to dev where allowed
			devAllowed   bool
		}
		ids := func(v ...int64) []int64 { return append([]int64{}, v...) }
		routes := func(mine, theirs apiGroup) []route {
			return []route{
				// Allowed: their group, its repositories, runners and token.
				{"GET", org + "/actions/runner-groups", nil, http.StatusOK, true},
				{"GET", g(mine.ID), nil, http.StatusOK, true},
				{"GET", g(mine.ID) + "/repositories", nil, http.StatusOK, true},
				{"PUT", g(mine.ID) + "/repositories", map[string]any{"selected_repository_ids": ids(w.app.ID)}, http.StatusNoContent, true},
				{"PUT", fmt.Sprintf("%s/repositories/%d", g(mine.ID), w.lib.ID), nil, http.StatusNoContent, true},
				{"DELETE", fmt.Sprintf("%s/repositories/%d", g(mine.ID), w.lib.ID), nil, http.StatusNoContent, true},
				{"GET", g(mine.ID) + "/runners", nil, http.StatusOK, true},
				{"POST", g(mine.ID) + "/registration-token", nil, http.StatusOK, true},
				{"POST", g(mine.ID) + "/registration-token/reset", nil, http.StatusOK, true},
				{"GET", fmt.Sprintf("%s/actions/runners/%d", org, newRunner(mine.ID)), nil, http.StatusOK, true},
				{"PATCH", fmt.Sprintf("%s/actions/runners/%d", org, newRunner(mine.ID)), map[string]bool{"disabled": true}, http.StatusOK, true},
				{"DELETE", fmt.Sprintf("%s/actions/runners/%d", org, newRunner(mine.ID)), nil, http.StatusNoContent, true},
				// Not allowed: the group's name, visibility, runners, managers; other groups; the org's things.
				{"POST", org + "/actions/runner-groups", map[string]any{"name": fmt.Sprintf("new-%d", nextID())}, http.StatusCreated, false},
				{"PATCH", g(mine.ID), map[string]any{"visibility": "selected"}, http.StatusOK, false},
				{"DELETE", g(w.createGroup(t, w.owner, org, map[string]any{"name": fmt.Sprintf("doomed-%d", nextID())}).ID), nil, http.StatusNoContent, false},
				{"PUT", fmt.Sprintf("%s/runners/%d", g(mine.ID), newRunner(theirs.ID)), nil, http.StatusNoContent, false},
				{"DELETE", fmt.Sprintf("%s/runners/%d", g(mine.ID), newRunner(mine.ID)), nil, http.StatusNoContent, false},
				{"PUT", g(mine.ID) + "/runners", map[string]any{"runners": ids()}, http.StatusNoContent, false},
				{"GET", g(mine.ID) + "/managers", nil, http.StatusOK, false},
				{"PUT", g(mine.ID) + "/managers/stranger", nil, http.StatusNoContent, false},
				{"DELETE", g(mine.ID) + "/managers/stranger", nil, http.StatusNoContent, false},
				{"GET", g(theirs.ID), nil, http.StatusOK, false},
				{"GET", g(theirs.ID) + "/repositories", nil, http.StatusOK, false},
				{"PUT", g(theirs.ID) + "/repositories", map[string]any{"selected_repository_ids": ids(w.app.ID)}, http.StatusNoContent, false},
				{"GET", g(theirs.ID) + "/runners", nil, http.StatusOK, false},
				{"POST", g(theirs.ID) + "/registration-token", nil, http.StatusOK, false},
				{"GET", fmt.Sprintf("%s/actions/runners/%d", org, newRunner(theirs.ID)), nil, http.StatusOK, false},
				{"PATCH", fmt.Sprintf("%s/actions/runners/%d", org, newRunner(theirs.ID)), map[string]bool{"disabled": true}, http.StatusOK, false},
				{"DELETE", fmt.Sprintf("%s/actions/runners/%d", org, newRunner(theirs.ID)), nil, http.StatusNoContent, false},
				{"GET", org + "/actions/runners", nil, http.StatusOK, false},
				{"POST", org + "/actions/runners/registration-token", nil, http.StatusOK, false},
				{"POST", org + "/actions/runners/registration-token/reset", nil, http.StatusOK, false},
				{"GET", org + "/actions/runners/registration-tokens", nil, http.StatusOK, false},
				{"GET", org + "/actions/audit", nil, http.StatusOK, false},
				{"GET", org + "/hooks", nil, http.StatusOK, false},
				{"GET", org + "/actions/jobs", nil, http.StatusOK, false},
				{"GET", "/api/v1/admin/actions/runner-groups", nil, http.StatusOK, false},
			}
		}
		// Each route twice: as dev on dev's group, then as the owner on
		// groups of their own, so that each pass finds what it changes.
		devRoutes := routes(mine, theirs)
		ownerRoutes := routes(w.createGroup(t, w.owner, org, map[string]any{"name": "mine too", "visibility": "selected"}),
			w.createGroup(t, w.owner, org, map[string]any{"name": "theirs too"}))
		for i, rt := range devRoutes {
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				res := w.dev.do(t, rt.method, rt.path, rt.body)
				if rt.devAllowed {
					assert.Equal(t, rt.ok, res.Status, "dev may: %s", res.Body)
				} else {
					assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, res.Status, "dev may not: %s", res.Body)
				}
				own := ownerRoutes[i]
				caller := w.owner
				if own.path == "/api/v1/admin/actions/runner-groups" {
					caller = w.admin
				}
				assert.Equal(t, own.ok, caller.do(t, own.method, own.path, own.body).Status, "the route works for who manages the scope")
			})
		}

		// The list shows dev their acme group only.
		res := w.dev.do(t, "GET", org+"/actions/runner-groups", nil)
		var list struct {
			TotalCount   int64      `json:"total_count"`
			RunnerGroups []apiGroup `json:"runner_groups"`
		}
		res.decode(t, &list)
		require.EqualValues(t, 1, list.TotalCount)
		assert.Equal(t, "mine", list.RunnerGroups[0].Name)
		// The stranger manages nothing and gets nothing.
		expect(t, w.stranger.do(t, "GET", org+"/actions/runner-groups", nil), http.StatusForbidden)
		expect(t, w.stranger.do(t, "GET", g(mine.ID), nil), http.StatusForbidden)
		// Once removed as manager, dev's rights end at once.
		expect(t, w.owner.do(t, "DELETE", g(mine.ID)+"/managers/dev", nil), http.StatusNoContent)
		expect(t, w.dev.do(t, "POST", g(mine.ID)+"/registration-token", nil), http.StatusForbidden)
	}, noLimit)
}

// TestRunnerGroupsAPI_BadInputIsA4xxThatChangesNothing: item 7 of issue 13
// over REST, on every database.
func TestRunnerGroupsAPI_BadInputIsA4xxThatChangesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		const org = "/api/v1/orgs/acme"
		g := w.createGroup(t, w.owner, org, map[string]any{"name": "builders", "visibility": "selected", "selected_repository_ids": []int64{w.app.ID}})
		var groups struct {
			RunnerGroups []apiGroup `json:"runner_groups"`
		}
		w.owner.do(t, "GET", org+"/actions/runner-groups", nil).decode(t, &groups)
		def := groups.RunnerGroups[0]
		base := fmt.Sprintf("%s/actions/runner-groups/%d", org, g.ID)
		repoRunner := s.Register(t, s.RegistrationToken(t, identity.RepoScope(w.app)), "repo", []string{"linux"}, false)
		otherRunner := s.Register(t, s.RegistrationToken(t, w.other), "other", []string{"linux"}, false)
		cases := []struct {
			name, method, path string
			body               any
			status             int
		}{
			{"duplicate name", "POST", org + "/actions/runner-groups", map[string]any{"name": "Builders"}, http.StatusUnprocessableEntity},
			{"no name", "POST", org + "/actions/runner-groups", map[string]any{"visibility": "all"}, http.StatusUnprocessableEntity},
			{"unknown visibility", "POST", org + "/actions/runner-groups", map[string]any{"name": "n", "visibility": "private"}, http.StatusUnprocessableEntity},
			{"workflow restrictions", "POST", org + "/actions/runner-groups", map[string]any{"name": "n", "restricted_to_workflows": true}, http.StatusUnprocessableEntity},
			{"malformed JSON", "POST", org + "/actions/runner-groups", "{", http.StatusBadRequest},
			{"delete the default group", "DELETE", fmt.Sprintf("%s/actions/runner-groups/%d", org, def.ID), nil, http.StatusUnprocessableEntity},
			{"a repository of another org", "PUT", fmt.Sprintf("%s/repositories/%d", base, w.x.ID), nil, http.StatusNotFound},
			{"a set with a repository of another org", "PUT", base + "/repositories", map[string]any{"selected_repository_ids": []int64{w.lib.ID, w.x.ID}}, http.StatusNotFound},
			{"a set without its field", "PUT", base + "/repositories", map[string]any{"repositories": []int64{w.lib.ID}}, http.StatusUnprocessableEntity},
			{"a repository runner into an org group", "PUT", fmt.Sprintf("%s/runners/%d", base, repoRunner.ID), nil, http.StatusUnprocessableEntity},
			{"a runner of another scope", "PUT", fmt.Sprintf("%s/runners/%d", base, otherRunner.ID), nil, http.StatusNotFound},
			{"a manager who is an organization", "PUT", base + "/managers/other", nil, http.StatusUnprocessableEntity},
			{"a manager who does not exist", "PUT", base + "/managers/nobody", nil, http.StatusNotFound},
			{"a group id that is no number", "GET", org + "/actions/runner-groups/abc", nil, http.StatusNotFound},
			{"a group of another org", "GET", fmt.Sprintf("/api/v1/orgs/other/actions/runner-groups/%d", g.ID), nil, http.StatusNotFound},
			{"organizations of an org group", "PUT", base + "/organizations", map[string]any{"selected_organization_ids": []int64{}}, http.StatusNotFound},
			{"a page that is no number", "GET", org + "/actions/runner-groups?page=x", nil, http.StatusBadRequest},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := groupState(t, s)
				var res apiResponse
				if raw, ok := tc.body.(string); ok {
					res = w.owner.raw(t, tc.method, tc.path, raw)
				} else {
					res = w.owner.do(t, tc.method, tc.path, tc.body)
				}
				assert.Equal(t, tc.status, res.Status, "%s", res.Body)
				assert.NotEmpty(t, res.message(t), "a clear message")
				assert.Equal(t, before, groupState(t, s), "nothing changed")
			})
		}
	})
}

// groupState reads the tables a group change writes.
func groupState(t *testing.T, s *testserver.Server) string {
	t.Helper()
	var out string
	for _, q := range []string{
		"SELECT id, owner_id, name, visibility, version FROM action_runner_group ORDER BY id",
		"SELECT group_id, owner_id, repo_id FROM action_runner_group_target ORDER BY id",
		"SELECT group_id, user_id FROM action_runner_group_manager ORDER BY id",
		"SELECT id, runner_group_id FROM action_runner ORDER BY id",
		"SELECT COUNT(*) AS n FROM action_audit",
	} {
		rows, err := s.Engine.QueryString(q)
		require.NoError(t, err)
		out += fmt.Sprint(rows)
	}
	return out
}

// raw sends body as it is, for input that is not JSON.
func (c apiCaller) raw(t *testing.T, method, path, body string) apiResponse {
	t.Helper()
	req, err := http.NewRequest(method, c.s.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", c.header)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return apiResponse{Status: res.StatusCode, Header: res.Header, Body: b}
}

// TestRunnerGroups_WorkflowJobEventsNameTheGroup: the in_progress and
// completed events of a job carry the group of the runner that took it;
// a repository runner's, which is in no group, carry 0 and "".
func TestRunnerGroups_WorkflowJobEventsNameTheGroup(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		w := newGroupsWorld(t, s)
		recv := webhooktest.New(t, nil)
		addRepoHook(t, w.owner, "acme/app", recv.URL, "")
		g := w.createGroup(t, w.owner, "/api/v1/orgs/acme", map[string]any{"name": "builders", "visibility": "selected", "selected_repository_ids": []int64{w.app.ID}})
		grouped := s.Register(t, mustToken(t, w.owner, fmt.Sprintf("/api/v1/orgs/acme/actions/runner-groups/%d", g.ID)), "grouped", []string{"linux"}, false)
		repoRunner := s.Register(t, s.RegistrationToken(t, identity.RepoScope(w.app)), "repo", []string{"other"}, false)
		app := testserver.Repo{OwnerID: w.acme.OwnerID(), RepoID: w.app.ID}
		jobs := s.QueueJobs(t, app, []string{"linux"}, []string{"other"})
		first, second := fetch(t, grouped), fetch(t, repoRunner)
		require.NotNil(t, first)
		require.NotNil(t, second)
		finish(t, grouped, first.Id, runnerv1.Result_RESULT_SUCCESS)

		started := func(job int64) jobEvent {
			var e jobEvent
			require.Eventually(t, func() bool {
				for _, d := range webhooktest.OfJob(recv.Accepted(), job) {
					if d.Action == "in_progress" {
						e = decodeEvent(t, d)
						return true
					}
				}
				return false
			}, 30*time.Second, 20*time.Millisecond)
			return e
		}
		e := started(jobs[0])
		require.NotNil(t, e.WorkflowJob.RunnerGroupID)
		assert.Equal(t, g.ID, *e.WorkflowJob.RunnerGroupID)
		assert.Equal(t, "builders", *e.WorkflowJob.RunnerGroupName)
		require.Eventually(t, func() bool {
			for _, d := range webhooktest.OfJob(recv.Accepted(), jobs[0]) {
				if d.Action == "completed" {
					e = decodeEvent(t, d)
					return true
				}
			}
			return false
		}, 30*time.Second, 20*time.Millisecond)
		assert.Equal(t, g.ID, *e.WorkflowJob.RunnerGroupID, "the completed event names it too")
		e = started(jobs[1])
		require.NotNil(t, e.WorkflowJob.RunnerGroupID)
		assert.Zero(t, *e.WorkflowJob.RunnerGroupID)
		assert.Empty(t, *e.WorkflowJob.RunnerGroupName)
	}, fastHooks)
}
