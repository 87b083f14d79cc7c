package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestPages_ReadersReadRunsAndLogsButDoNotChangeThem signs in as a reader
// of the repository, who reads the runs, the job, its raw log and its live
// log, and is refused cancel and re-run; someone with no access finds no
// such pages.
func TestPages_ReadersReadRunsAndLogsButDoNotChangeThem(t *testing.T) {
	s, accounts := startWithReaders(t, sqliteOnly())
	owner, _ := userWithToken(t, s, accounts, "octo", false)
	reader, _ := userWithToken(t, s, accounts, "reader", false)
	userWithToken(t, s, accounts, "stranger", false)
	ownerScope, err := accounts.GetOwnerByID(s.Ctx, owner.ID)
	require.NoError(t, err)
	app, err := accounts.CreateRepo(s.Ctx, owner, ownerScope, "app")
	require.NoError(t, err)
	accounts.grantRead(t, app, reader)
	repo := testserver.Repo{OwnerID: owner.ID, RepoID: app.ID, Owner: "octo", Name: "app"}
	r := s.Register(t, s.RegistrationToken(t, identity.InstanceScope), "r", []string{"ubuntu-latest"}, false)
	jobID, _ := runJobWithLog(t, s, r, repo, logRows("row-", 3))
	job, err := s.App.Workflows().GetJob(s.Ctx, identity.RepoScope(app), jobID)
	require.NoError(t, err)
	runPath := fmt.Sprintf("/octo/app/actions/runs/%d", job.RunID)
	jobPath := fmt.Sprintf("%s/jobs/%d", runPath, jobID)

	c := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, c.signIn("reader", "reader-password"))
	for _, p := range []string{"/octo/app/actions", runPath, jobPath} {
		status, _, body := c.get(p)
		assert.Equal(t, http.StatusOK, status, p)
		assert.NotContains(t, body, `action="`+runPath+`/rerun"`, "no re-run button for a reader: %s", p)
	}
	status, _, body := c.get(jobPath + "/logs")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 3, strings.Count(body, "Z row-"), body)

	status, _, body = c.get(jobPath + "/log.json?from=1")
	require.Equal(t, http.StatusOK, status)
	var follow struct {
		Done bool
		Next int64
		Rows []struct {
			N   int64
			Seg []struct{ T string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &follow))
	assert.True(t, follow.Done)
	assert.EqualValues(t, 3, follow.Next)
	require.Len(t, follow.Rows, 2, "the rows from the offset on")
	assert.EqualValues(t, 2, follow.Rows[0].N)
	status, _, _ = c.get(jobPath + "/log.json?from=-1")
	assert.Equal(t, http.StatusBadRequest, status)

	csrf := c.csrf(runPath)
	status, _, _ = c.post(runPath+"/rerun", url.Values{"_csrf": {csrf}})
	assert.Equal(t, http.StatusForbidden, status, "a reader does not re-run")
	status, _, _ = c.post(jobPath+"/rerun", url.Values{"_csrf": {csrf}})
	assert.Equal(t, http.StatusForbidden, status)

	stranger := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, stranger.signIn("stranger", "stranger-password"))
	for _, p := range []string{"/octo/app/actions", runPath, jobPath, jobPath + "/logs", jobPath + "/log.json?from=0"} {
		status, _, body := stranger.get(p)
		assert.Equal(t, http.StatusNotFound, status, p)
		assert.NotContains(t, body, "row-", p)
	}

	owners := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, owners.signIn("octo", "octo-password"))
	status, _, body = owners.get(runPath)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `action="`+runPath+`/rerun"`, "the owner may re-run")
	status, loc, _ := owners.post(runPath+"/rerun", url.Values{"_csrf": {owners.csrf(runPath)}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, runPath+"?done=rerun", loc)
}

// TestPages_InheritedRunnerHidesJobsOfOtherRepositories: a repository's
// admin sees the instance runner it inherits, busy, but not which job of
// which other repository it runs.
func TestPages_InheritedRunnerHidesJobsOfOtherRepositories(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	accounts := s.App.Accounts()
	owner, err := accounts.CreateUser(s.Ctx, identity.CreateUserInput{Name: "octo", Password: "octo-password"})
	require.NoError(t, err)
	_, err = accounts.CreateUser(s.Ctx, identity.CreateUserInput{Name: "appadmin", Password: "appadmin-password"})
	require.NoError(t, err)
	ownerScope, err := accounts.GetOwnerByID(s.Ctx, owner.ID)
	require.NoError(t, err)
	app, err := accounts.CreateRepo(s.Ctx, owner, ownerScope, "app")
	require.NoError(t, err)
	secret, err := accounts.CreateRepo(s.Ctx, owner, ownerScope, "secret-project")
	require.NoError(t, err)
	_, err = accounts.SetCollaborator(s.Ctx, owner, app, "appadmin", identity.AccessAdmin)
	require.NoError(t, err)
	r := instanceRunner(t, s, "shared", false, "linux")
	s.QueueJobs(t, testserver.Repo{OwnerID: owner.ID, RepoID: secret.ID, Owner: "octo", Name: "secret-project"}, []string{"linux"})
	require.NotNil(t, fetch(t, r))

	c := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, c.signIn("appadmin", "appadmin-password"))
	status, _, body := c.get("/octo/app/settings/actions/runners")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "shared")
	assert.Contains(t, body, "busy elsewhere")
	assert.NotContains(t, body, "secret-project")
	assert.NotContains(t, body, "job0")

	owners := newWebClient(t, s)
	require.Equal(t, http.StatusSeeOther, owners.signIn("octo", "octo-password"))
	_, _, body = owners.get("/user/settings/actions/runners")
	assert.Contains(t, body, "secret-project", "the owner, whose repository it is, sees the job")
}
