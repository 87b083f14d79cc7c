package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// uiGroupsWorld is org acme (repositories app and lib) owned by orgowner,
// dev who will manage a group, and two runners of acme.
type uiGroupsWorld struct {
	s        *testserver.Server
	acme     identity.Scope
	app, lib *identity.Repo
	r1, r2   *testserver.Runner
}

func newUIGroupsWorld(t *testing.T, s *testserver.Server) *uiGroupsWorld {
	t.Helper()
	acc := s.App.Accounts()
	owner, err := acc.CreateUser(s.Ctx, identity.CreateUserInput{Name: "orgowner", Password: "owner-password"})
	require.NoError(t, err)
	_, err = acc.CreateUser(s.Ctx, identity.CreateUserInput{Name: "dev", Password: "dev-password"})
	require.NoError(t, err)
	org, err := acc.CreateOrg(s.Ctx, owner, "acme")
	require.NoError(t, err)
	w := &uiGroupsWorld{s: s, acme: identity.OwnerScope(org)}
	w.app, err = acc.CreateRepo(s.Ctx, owner, org, "app")
	require.NoError(t, err)
	w.lib, err = acc.CreateRepo(s.Ctx, owner, org, "lib")
	require.NoError(t, err)
	w.r1 = s.Register(t, s.RegistrationToken(t, w.acme), "build-1", []string{"linux"}, false)
	w.r2 = s.Register(t, s.RegistrationToken(t, w.acme), "build-2", []string{"linux"}, false)
	return w
}

func signInAs(name, password string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		chromedp.SendKeys("#user_name", name, chromedp.ByID),
		chromedp.SendKeys("#password", password, chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
	}
}

// TestUI_RunnerGroups: the org owner makes a group in the browser, selects a
// repository, moves a runner in and makes dev its manager; dev then signs
// in, finds the group from the home page, and sees and does only what a
// manager may.
func TestUI_RunnerGroups(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	w := newUIGroupsWorld(t, s)
	ctx := browser(t)
	var shot []byte
	runners := s.URL + "/org/acme/settings/actions/runners"

	var list string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(runners),
		signInAs("orgowner", "owner-password"),
		chromedp.WaitVisible("#groups-link", chromedp.ByID),
		chromedp.Click("#groups-link", chromedp.ByID),
		chromedp.WaitVisible("#create-group", chromedp.ByID),
		chromedp.Text("#group-list", &list, chromedp.ByID),
	))
	assert.Contains(t, list, "Default")
	assert.Contains(t, list, "2", "both runners are in the default group")

	// Create a group that serves selected repositories; the page of the new group opens.
	var title, flash string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SendKeys("#group-name", "builders", chromedp.ByID),
		chromedp.SetValue("#group-visibility", "selected", chromedp.ByID),
		chromedp.Click("#create-group-button", chromedp.ByID),
		chromedp.WaitVisible("#group-title", chromedp.ByID),
		chromedp.Text("#group-title", &title, chromedp.ByID),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
	))
	assert.Equal(t, "builders", strings.TrimSpace(title))
	assert.Contains(t, flash, "created")
	g, err := s.Actions.GetRunnerGroupByName(s.Ctx, w.acme, "builders")
	require.NoError(t, err)
	assert.True(t, g.IsSelected())

	// Select app, move build-1 in, make dev a manager.
	var repos, runnersInGroup, managers string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SetValue("#add-repo-select", strconv.FormatInt(w.app.ID, 10), chromedp.ByID),
		chromedp.Click("#add-repo-button", chromedp.ByID),
		chromedp.WaitVisible(fmt.Sprintf(`#repo-list tr[data-repo-id="%d"]`, w.app.ID), chromedp.ByQuery),
		chromedp.SetValue("#add-runner-select", strconv.FormatInt(w.r1.ID, 10), chromedp.ByID),
		chromedp.Click("#add-runner-button", chromedp.ByID),
		chromedp.WaitVisible(fmt.Sprintf(`#runner-list tr[data-runner-id="%d"]`, w.r1.ID), chromedp.ByQuery),
		chromedp.SendKeys("#add-manager-name", "dev", chromedp.ByID),
		chromedp.Click("#add-manager-button", chromedp.ByID),
		chromedp.WaitVisible(".manager-name", chromedp.ByQuery),
		chromedp.Text("#repo-list", &repos, chromedp.ByID),
		chromedp.Text("#runner-list", &runnersInGroup, chromedp.ByID),
		chromedp.Text("#manager-list", &managers, chromedp.ByID),
		screenshot("runner_group.png", &shot),
	))
	assert.Contains(t, repos, "acme/app")
	assert.Contains(t, runnersInGroup, "build-1")
	assert.NotContains(t, runnersInGroup, "build-2")
	assert.Contains(t, managers, "dev")

	// A bad form is refused on the page and changes nothing.
	var formErr string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SendKeys("#add-manager-name", "acme", chromedp.ByID),
		chromedp.Click("#add-manager-button", chromedp.ByID),
		chromedp.WaitVisible("#group-error", chromedp.ByID),
		chromedp.Text("#group-error", &formErr, chromedp.ByID),
	))
	assert.Contains(t, formErr, "organization, not a user")

	// Routing follows at once: build-1 takes app's job, not lib's.
	s.QueueJobs(t, testserver.Repo{OwnerID: w.acme.OwnerID(), RepoID: w.lib.ID}, []string{"linux"})
	assert.Nil(t, fetch(t, w.r1), "lib is not the group's")
	s.QueueJobs(t, testserver.Repo{OwnerID: w.acme.OwnerID(), RepoID: w.app.ID}, []string{"linux"})
	assert.NotNil(t, fetch(t, w.r1))

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/org/acme/settings/actions/runner-groups"),
		chromedp.WaitVisible("#group-list", chromedp.ByID),
		screenshot("runner_groups.png", &shot),
		chromedp.Click("#sign-out", chromedp.ByID),
		chromedp.WaitVisible(`a[href="/user/login"]`, chromedp.ByQuery),
	))

	// dev signs in: the home page lists the group they manage.
	var home, page string
	var ownerControls int
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/user/login"),
		signInAs("dev", "dev-password"),
		chromedp.WaitVisible("#managed-groups", chromedp.ByID),
		chromedp.Text("#managed-groups", &home, chromedp.ByID),
		chromedp.Click(`#managed-groups a`, chromedp.ByQuery),
		chromedp.WaitVisible("#group-title", chromedp.ByID),
		chromedp.Text("main", &page, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#edit-group, #managers, #add-runner, #add-org").length`, &ownerControls),
	))
	assert.Contains(t, home, "builders")
	assert.Contains(t, home, "Organization acme")
	assert.Contains(t, page, "build-1")
	assert.Equal(t, 0, ownerControls, "a manager sees no controls for the group's name, runners' membership or managers")

	// dev selects lib too, resets the token and disables build-1.
	oldToken, err := s.Actions.GroupRegistrationToken(s.Ctx, w.acme, g.ID)
	require.NoError(t, err)
	var token string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SetValue("#add-repo-select", strconv.FormatInt(w.lib.ID, 10), chromedp.ByID),
		chromedp.Click("#add-repo-button", chromedp.ByID),
		chromedp.WaitVisible(fmt.Sprintf(`#repo-list tr[data-repo-id="%d"]`, w.lib.ID), chromedp.ByQuery),
		chromedp.Click(`#registration form[action$="/reset-token"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text("#group-token", &token, chromedp.ByID),
		chromedp.Click(fmt.Sprintf(`#runner-list tr[data-runner-id="%d"] form[action$="/disable-runner"] button`, w.r1.ID), chromedp.ByQuery),
		chromedp.WaitVisible(`#runner-list .badge.warn`, chromedp.ByQuery),
		screenshot("runner_group_manager.png", &shot),
	))
	assert.NotEqual(t, oldToken, strings.TrimSpace(token))
	r1, err := actions_model.GetRunnerByID(s.Ctx, w.r1.ID)
	require.NoError(t, err)
	assert.True(t, r1.Disabled)
	repos2, total, err := s.Actions.ListRunnerGroupRepos(s.Ctx, w.acme, g.ID, 1, 10)
	require.NoError(t, err)
	assert.EqualValues(t, 2, total, "%v", repos2)

	// The org's own pages stay closed to dev.
	var status string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(runners),
		chromedp.WaitVisible("h1", chromedp.ByQuery),
		chromedp.Text("h1", &status, chromedp.ByQuery),
	))
	assert.Equal(t, "Forbidden", strings.TrimSpace(status))
}

// TestUIForms_RunnerGroupManagerCannotTakeOwnerActions: the owner-only forms
// posted by a manager are refused with 403 and change nothing; a group they
// do not manage is closed to them; hostile group names are shown as text.
func TestUIForms_RunnerGroupManagerCannotTakeOwnerActions(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	w := newUIGroupsWorld(t, s)
	evil := `<img src=x onerror=alert(1)>`
	name, selected := "mine "+evil, actions_model.GroupVisibilitySelected
	mine, err := s.Actions.CreateRunnerGroup(s.Ctx, w.acme, actionsGroupInput(&name, &selected))
	require.NoError(t, err)
	otherName := "theirs"
	theirs, err := s.Actions.CreateRunnerGroup(s.Ctx, w.acme, actionsGroupInput(&otherName, nil))
	require.NoError(t, err)
	_, err = s.Actions.AddRunnerGroupManager(s.Ctx, w.acme, mine.ID, "dev")
	require.NoError(t, err)

	c := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, c.signIn("dev", "dev-password"))
	base := fmt.Sprintf("/org/acme/settings/actions/runner-groups/%d", mine.ID)
	status, _, body := c.get(base)
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, body, evil, "the name is escaped")
	assert.Contains(t, body, "&lt;img src=x onerror=alert(1)&gt;")
	token := c.csrf(base)

	before := groupState(t, s)
	for _, tc := range []struct {
		op   string
		form url.Values
	}{
		{"edit", url.Values{"name": {"renamed"}, "visibility": {"all"}}},
		{"delete", nil},
		{"add-runner", url.Values{"runner_id": {strconv.FormatInt(w.r2.ID, 10)}}},
		{"remove-runner", url.Values{"runner_id": {strconv.FormatInt(w.r1.ID, 10)}}},
		{"add-manager", url.Values{"username": {"orgowner"}}},
		{"remove-manager", url.Values{"username": {"dev"}}},
		{"add-org", url.Values{"org": {"acme"}}},
	} {
		form := tc.form
		if form == nil {
			form = url.Values{}
		}
		form.Set("_csrf", token)
		status, _, _ := c.post(base+"/"+tc.op, form)
		assert.Equal(t, http.StatusForbidden, status, tc.op)
	}
	// A runner outside the group cannot be disabled through the group's page.
	status, _, _ = c.post(base+"/disable-runner", url.Values{"_csrf": {token}, "runner_id": {strconv.FormatInt(w.r2.ID, 10)}})
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	// Nor is the other group, or creating one, open to dev.
	status, _, _ = c.get(fmt.Sprintf("/org/acme/settings/actions/runner-groups/%d", theirs.ID))
	assert.Equal(t, http.StatusForbidden, status)
	status, _, _ = c.post(fmt.Sprintf("/org/acme/settings/actions/runner-groups/%d/reset-token", theirs.ID), url.Values{"_csrf": {token}})
	assert.Equal(t, http.StatusForbidden, status)
	status, _, _ = c.post("/org/acme/settings/actions/runner-groups", url.Values{"_csrf": {token}, "name": {"new"}, "visibility": {"all"}})
	assert.Equal(t, http.StatusForbidden, status)
	status, _, _ = c.get("/-/admin/actions/runner-groups")
	assert.Equal(t, http.StatusForbidden, status)
	assert.Equal(t, before, groupState(t, s), "nothing changed")

	// The list shows dev their group only.
	status, _, body = c.get("/org/acme/settings/actions/runner-groups")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, fmt.Sprintf(`data-group-id="%d"`, mine.ID))
	assert.NotContains(t, body, fmt.Sprintf(`data-group-id="%d"`, theirs.ID))
	assert.NotContains(t, body, `id="create-group"`)
}

func actionsGroupInput(name, visibility *string) actions_service.RunnerGroupInput {
	return actions_service.RunnerGroupInput{Name: name, Visibility: visibility}
}
