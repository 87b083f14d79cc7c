package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// TestUI_QueueRunnersAndRunnerPages answers "why is my job not running?"
// in the browser: the repository's Runners page lists the instance runner
// it inherits and a complete register command, its queue names the job
// that no runner can take and the runner that comes closest, with a chart;
// the waiting job's page says the same; the runner's page links the jobs
// it ran. Opening the pages writes nothing to the audit log as the viewer.
func TestUI_QueueRunnersAndRunnerPages(t *testing.T) {
	u := newUISite(t, func(o *options.Options) { o.Actions.QueueSampleInterval = time.Second })
	s := u.s
	r := instanceRunner(t, s, "linux-1", false, "linux")
	s.QueueJobs(t, u.repo, []string{"linux"})
	task := fetch(t, r)
	require.NotNil(t, task, "linux-1 is busy with a job of octo/app")
	gpuJob := s.QueueJobs(t, u.repo, []string{"linux", "gpu"})[0]
	require.Eventually(t, func() bool { // a sample with the gpu job waiting is there for the chart
		h, err := s.Actions.QueueHistory(s.Ctx, identity.InstanceScope, time.Hour)
		require.NoError(t, err)
		return len(h) >= 2 && h[len(h)-1].Waiting == 1
	}, 20*time.Second, 100*time.Millisecond)

	// Six hours of history for the chart: the queue grew through the
	// afternoon, and so did the wait.
	start := time.Now().Add(-6 * time.Hour).Truncate(time.Minute)
	for i := range 70 {
		at := start.Add(time.Duration(i) * 5 * time.Minute).Unix()
		waiting := int64(i % 20 * i / 10)
		for _, row := range []*actions_model.QueueSample{
			{Bucket: at, OwnerID: u.repo.OwnerID, RepoID: u.repo.RepoID, Waiting: waiting, OldestWait: 30 * int64(i), Picked: 3, WaitSum: 3 * 20 * int64(i), WaitMax: 25 * int64(i)},
			{Bucket: at, Waiting: waiting, OldestWait: 30 * int64(i), Picked: 3, WaitSum: 3 * 20 * int64(i), WaitMax: 25 * int64(i)},
		} {
			require.NoError(t, actions_model.InsertQueueSample(s.Ctx, row))
		}
	}

	var shot []byte
	var command, inherited string
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Navigate(s.URL+"/octo/app/actions"), // the repository's runs, where html_url leads
		chromedp.Click("#runners-link", chromedp.ByID),
		chromedp.WaitVisible("#register-command", chromedp.ByID),
		chromedp.Text("#register-command", &command, chromedp.ByID),
		chromedp.Text("#inherited-list", &inherited, chromedp.ByID),
		screenshot("runners-repo.png", &shot),
	))
	token := s.RegistrationToken(t, identity.ScopeOf(u.repo.OwnerID, u.repo.RepoID))
	assert.Equal(t, "act_runner register --no-interactive --instance "+s.Opts.Server.RootURL+" --token "+token+
		" --name my-runner --labels ubuntu-latest:docker://docker.gitea.com/runner-images:ubuntu-latest", command)
	assert.Contains(t, inherited, "linux-1")
	assert.Contains(t, inherited, "inherited")
	assert.Contains(t, inherited, "instance")
	assert.Contains(t, inherited, "job0", "its current job")

	// The form fills the command; a name with a space is quoted for the shell.
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.SetValue("#runner-name", "build box", chromedp.ByID),
		chromedp.SetValue("#runner-labels", "linux,gpu", chromedp.ByID),
		chromedp.Click("#update-command", chromedp.ByID),
		chromedp.WaitVisible(`//pre[@id="register-command"][contains(., "'build box'")]`, chromedp.BySearch),
		chromedp.Text("#register-command", &command, chromedp.ByID),
	))
	assert.True(t, strings.HasSuffix(command, " --name 'build box' --labels linux,gpu"), command)

	// The queue: the gpu job waits for a runner nobody has.
	var group, chart string
	var lines, points int
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Click("#queue-link", chromedp.ByID),
		chromedp.WaitVisible(".queue-group", chromedp.ByQuery),
		chromedp.Text(".queue-group.wait-no_match", &group, chromedp.ByQuery),
		chromedp.Text("#queue-chart", &chart, chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll("#queue-chart svg polyline").length`, &lines),
		chromedp.Evaluate(`document.querySelector("#queue-chart svg polyline.series-waiting").getAttribute("points").split(" ").length`, &points),
		screenshot("queue.png", &shot),
	))
	assert.Contains(t, group, "No runner that may serve this repository has all of these labels")
	assert.Contains(t, group, "linux-1 — online, busy; lacks gpu", "the runner that comes closest, and what it lacks")
	assert.Contains(t, group, "octo/app")
	assert.Contains(t, chart, "Jobs waiting")
	assert.Equal(t, 3, lines, "queue length; longest and average wait")
	assert.Greater(t, points, 70, "every sample of the six hours is a point")

	// The waiting job's own page says why it waits.
	var why string
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Click(fmt.Sprintf(`.queue-group a[href$="/jobs/%d"]`, gpuJob), chromedp.ByQuery),
		chromedp.WaitVisible("#wait", chromedp.ByID),
		chromedp.Text("#wait", &why, chromedp.ByID),
		screenshot("job-waiting.png", &shot),
	))
	assert.Contains(t, why, "No runner that may serve this repository has all of these labels")
	assert.Contains(t, why, "lacks gpu")

	// A gpu runner comes and takes it: the waiting page notices by itself.
	gpu := instanceRunner(t, s, "gpu-1", false, "linux", "gpu")
	require.NotNil(t, fetch(t, gpu))
	require.NoError(t, chromedp.Run(u.ctx, chromedp.WaitVisible("#job-status.state-running", chromedp.ByQuery)))

	// The runner's page: its current job links to the job, with the repository named.
	var current, tasks, jobTitle string
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Navigate(s.URL+"/-/admin/actions/runners"),
		chromedp.Click(fmt.Sprintf(`tr[data-runner-id="%d"] .runner-name`, r.ID), chromedp.ByQuery),
		chromedp.WaitVisible("#task-list", chromedp.ByID),
		chromedp.Text("#runner-current-job", &current, chromedp.ByID),
		chromedp.Text("#task-list", &tasks, chromedp.ByID),
		screenshot("runner-tasks.png", &shot),
		chromedp.Click("#task-list a.task-job", chromedp.ByQuery),
		chromedp.WaitVisible("#job-title", chromedp.ByID),
		chromedp.Text("#job-title", &jobTitle, chromedp.ByID),
	))
	assert.Contains(t, current, "job0 in octo/app")
	assert.Contains(t, tasks, "octo/app")
	assert.Contains(t, jobTitle, "job0")

	// Showing the Runners pages made their tokens, as the server's act.
	events, _, err := s.Actions.ListAuditEvents(s.Ctx, identity.InstanceScope, 1, 100)
	require.NoError(t, err)
	created := 0
	for _, e := range events {
		if e.Action == actions_service.AuditTokenCreated {
			created++
			assert.Equal(t, "system", e.Actor, "opening a page is not the viewer's act: %+v", e)
			assert.Zero(t, e.ActorID)
		}
	}
	assert.Equal(t, 2, created, "the instance's token and the repository's")
}
