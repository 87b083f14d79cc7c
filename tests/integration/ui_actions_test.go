package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/convert"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

const uiWorkflow = `name: CI
on: push
jobs:
  build:
    runs-on: linux
    steps:
      - name: Checkout
        run: echo checkout
      - name: Compile
        run: make
  deploy:
    runs-on: linux
    needs: build
    steps:
      - name: Ship it
        run: ./deploy
`

// uiSite is a server with an admin, a repository octo/app and a browser
// signed in as the admin.
type uiSite struct {
	s    *testserver.Server
	repo testserver.Repo
	ctx  context.Context
}

func newUISite(t *testing.T, configure ...func(*options.Options)) *uiSite {
	t.Helper()
	s := testserver.Start(t, sqliteOnly(), configure...)
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
	require.NoError(t, err)
	site := &uiSite{s: s, repo: s.CreateRepo(t, "octo", "app"), ctx: browser(t)}
	require.NoError(t, chromedp.Run(site.ctx,
		chromedp.Navigate(s.URL+"/user/login"),
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		chromedp.SendKeys("#user_name", "root", chromedp.ByID),
		chromedp.SendKeys("#password", "root-password", chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
		chromedp.WaitVisible("nav.top .who", chromedp.ByQuery),
	))
	return site
}

func (u *uiSite) queueRun(t *testing.T) int64 {
	t.Helper()
	run, _, err := u.s.App.QueueRun(u.s.Ctx, runnerhub.RunRequest{
		OwnerID: u.repo.OwnerID, RepoID: u.repo.RepoID, Workflow: []byte(uiWorkflow), WorkflowID: "ci.yml",
		Ref: "main", CommitSHA: "0123456789abcdef0123456789abcdef01234567", Event: "push",
	})
	require.NoError(t, err)
	return run.ID
}

func sendLog(t *testing.T, r *testserver.Runner, taskID, index int64, noMore bool, lines ...string) {
	t.Helper()
	rows := make([]*runnerv1.LogRow, len(lines))
	for i, l := range lines {
		rows[i] = &runnerv1.LogRow{Time: timestamppb.Now(), Content: l}
	}
	_, err := r.Client.UpdateLog(context.Background(), connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: taskID, Index: index, Rows: rows, NoMore: noMore}))
	require.NoError(t, err)
}

func reportSteps(t *testing.T, r *testserver.Runner, taskID int64, result runnerv1.Result, steps ...*runnerv1.StepState) {
	t.Helper()
	st := &runnerv1.TaskState{Id: taskID, Result: result, StartedAt: timestamppb.Now(), Steps: steps}
	if result != runnerv1.Result_RESULT_UNSPECIFIED {
		st.StoppedAt = timestamppb.Now()
	}
	_, err := r.Client.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{State: st}))
	require.NoError(t, err)
}

func step(id int64, result runnerv1.Result, index, length int64) *runnerv1.StepState {
	s := &runnerv1.StepState{Id: id, Result: result, StartedAt: timestamppb.Now(), LogIndex: index, LogLength: length}
	if result != runnerv1.Result_RESULT_UNSPECIFIED {
		s.StoppedAt = timestamppb.Now()
	}
	return s
}

// TestUI_RunsRunAndLiveJobLog follows a run from the repository's runs
// list to its job, whose log is folded by step with colours, follows the
// log live until the job ends, and re-runs the failed job of the run.
func TestUI_RunsRunAndLiveJobLog(t *testing.T) {
	u := newUISite(t)
	s := u.s
	runID := u.queueRun(t)
	r := instanceRunner(t, s, "linux-1", false, "linux")
	build := fetch(t, r)
	require.NotNil(t, build)
	sendLog(t, r, build.Id, 0, false, "Preparing workspace", "Pulling image node:20",
		"\x1b[32mcheckout ok\x1b[0m", "HEAD is now at 0123456", "done",
		"\x1b[1;33mwarning:\x1b[0m <script>alert(1)</script> unused variable")
	reportSteps(t, r, build.Id, runnerv1.Result_RESULT_UNSPECIFIED,
		step(0, runnerv1.Result_RESULT_SUCCESS, 2, 3), step(1, runnerv1.Result_RESULT_UNSPECIFIED, 5, 1))

	// The run's html_url, as the API and the webhooks give it, is its page;
	// its repository's runs are a link away.
	runJSON, err := s.App.Workflows().GetRun(s.Ctx, identity.ScopeOf(u.repo.OwnerID, u.repo.RepoID), runID)
	require.NoError(t, err)
	view, err := convert.New(s.Opts.Server.RootURL, s.App.Identity()).WorkflowRun(s.Ctx, runJSON)
	require.NoError(t, err)
	var shot []byte
	var runs, jobs string
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Navigate(view.HTMLURL),
		chromedp.WaitVisible("#job-list", chromedp.ByID),
		chromedp.Click(`.crumbs a[href="/octo/app/actions"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#run-list", chromedp.ByID),
		chromedp.Text("#run-list", &runs, chromedp.ByID),
		screenshot("actions-runs.png", &shot),
		chromedp.Click("a.run-link", chromedp.ByQuery),
		chromedp.WaitVisible("#job-list", chromedp.ByID),
		chromedp.Text("#job-list", &jobs, chromedp.ByID),
		screenshot("actions-run.png", &shot),
	))
	assert.Contains(t, runs, "CI #1")
	assert.Contains(t, runs, "running")
	assert.Contains(t, jobs, "build")
	assert.Contains(t, jobs, "linux-1", "the runner that has the job")
	assert.Contains(t, jobs, "deploy")
	assert.Contains(t, jobs, "waiting", "deploy waits for its need")

	// The job's page: folded by step, colours as classes, markup as text.
	var title, compile string
	var green, injected, openSections int
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Click(`//a[@class="job-link"][text()="build"]`, chromedp.BySearch),
		chromedp.WaitVisible("#job-log", chromedp.ByID),
		chromedp.Text("#job-title", &title, chromedp.ByID),
		chromedp.Text("#log-section-2", &compile, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("#log-section-1 .ansi-fg-2").length`, &green),
		chromedp.Evaluate(`document.querySelectorAll("#job-log script").length`, &injected),
		chromedp.Evaluate(`document.querySelectorAll("#job-log details[open]").length`, &openSections),
		screenshot("actions-job-running.png", &shot),
	))
	assert.Contains(t, title, "build")
	assert.Contains(t, compile, "<script>alert(1)</script> unused variable", "shown as text")
	assert.Equal(t, 1, green, "the Checkout step's green line")
	assert.Equal(t, 0, injected)
	assert.Equal(t, 1, openSections, "the running step is open")

	// The runner writes on and ends the job: the page follows, then shows the end.
	sendLog(t, r, build.Id, 6, false, "live row A", "\x1b[31mlive row B\x1b[0m")
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.WaitVisible(`//details[@id="log-section-2"]//div[contains(@class,"log-line")][contains(., "live row A")]`, chromedp.BySearch),
	))
	sendLog(t, r, build.Id, 8, true, "Cleaning up")
	reportSteps(t, r, build.Id, runnerv1.Result_RESULT_SUCCESS,
		step(0, runnerv1.Result_RESULT_SUCCESS, 2, 3), step(1, runnerv1.Result_RESULT_SUCCESS, 5, 3))
	var red int
	var rawURL string
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.WaitVisible("#job-status.state-success", chromedp.ByQuery), // the page reloaded itself at the end
		chromedp.Evaluate(`document.querySelectorAll("#log-section-2 .ansi-fg-1").length`, &red),
		chromedp.Evaluate(`document.querySelector("#log-section-3").textContent`, &compile),
		screenshot("actions-job-done.png", &shot),
		chromedp.AttributeValue("#raw-log", "href", &rawURL, nil, chromedp.ByID),
	))
	assert.Equal(t, 1, red)
	assert.Contains(t, compile, "Cleaning up", "rows after the last step are the job's completion")

	// The raw log, as Gitea writes it.
	var raw string
	require.NoError(t, chromedp.Run(u.ctx, chromedp.Navigate(s.URL+rawURL), chromedp.Text("body", &raw, chromedp.ByQuery)))
	lines := strings.Split(strings.TrimSpace(raw), "\n")
	require.Len(t, lines, 9)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z Preparing workspace$`, lines[0])

	// deploy fails; the run offers to re-run the failed job.
	deploy := fetch(t, r)
	require.NotNil(t, deploy)
	finish(t, r, deploy.Id, runnerv1.Result_RESULT_FAILURE)
	var flash string
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Navigate(fmt.Sprintf("%s/octo/app/actions/runs/%d", s.URL, runID)),
		chromedp.WaitVisible(`#run-actions form[action$="/rerun-failed-jobs"] button`, chromedp.ByQuery),
		chromedp.Click(`#run-actions form[action$="/rerun-failed-jobs"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
		chromedp.Text("#job-list", &jobs, chromedp.ByID),
		chromedp.WaitVisible("#earlier-list", chromedp.ByID),
		screenshot("actions-run-rerun.png", &shot),
	))
	assert.Contains(t, flash, "queued again")
	assert.Contains(t, jobs, "attempt 2")
	assert.Contains(t, jobs, "queued")
	again := fetch(t, r)
	require.NotNil(t, again)
	assert.EqualValues(t, "deploy", again.Context.AsMap()["job"], "the re-run job is what the runner gets")
}
