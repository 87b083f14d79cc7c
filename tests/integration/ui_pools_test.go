package integration

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pool_model "code.runnerhub.dev/runnerhub/models/pool"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestUI_PoolsPage: an instance admin sees every pool, each runner with its
// job and the failed starts with the command's last lines; a user who owns
// a pool's scope sees that pool only, and not the admin's page. /metrics
// counts the runners per pool and state and the starts by outcome.
func TestUI_PoolsPage(t *testing.T) {
	bin := buildJITRunner(t)
	dir := t.TempDir()
	// The owner of a pool's scope must exist before the server starts.
	first := testserver.Start(t, sqliteOnly())
	_, err := first.App.Accounts().CreateUser(first.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
	require.NoError(t, err)
	_, err = first.App.Accounts().CreateUser(first.Ctx, identity.CreateUserInput{Name: "octo", Password: "octo-password"})
	require.NoError(t, err)
	repo := first.CreateRepo(t, "octo", "app")
	first.Stop()
	s := testserver.StartOn(t, first.Opts, func(o *options.Options) {
		o.Pools = []options.Pool{
			{Name: "linux", Labels: []string{"linux"}, MaxRunners: 2, StartTimeout: 30 * time.Second,
				StartCommand: jitRunnerCommand(bin, dir, "JITRUNNER_HOLD=2m")},
			{Name: "broken", Labels: []string{"gpu"}, MaxRunners: 1, StartTimeout: 30 * time.Second,
				StartCommand: "echo 'pulling image'; echo '<b>no space</b> left on device' >&2; exit 1"},
			{Name: "octo-pool", Scope: "octo", Labels: []string{"arm64"}, MaxRunners: 1, StartTimeout: 30 * time.Second,
				StartCommand: "exit 1"},
		}
	})
	job := s.QueueJobs(t, repo, []string{"linux"})[0]
	s.QueueJobs(t, repo, []string{"gpu"})
	require.Eventually(t, func() bool {
		rows, err := pool_model.FindLive(s.Ctx, "linux")
		require.NoError(t, err)
		failed, err := pool_model.FindFailed(s.Ctx, "broken", 1)
		require.NoError(t, err)
		return len(rows) == 1 && rows[0].State == pool_model.StateBusy && len(failed) == 1
	}, 30*time.Second, 50*time.Millisecond, "the linux runner is busy with its job; the broken pool failed a start")

	ctx := browser(t)
	var shot []byte
	var runnerRow, failure, pools string
	var injected int
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/user/login"),
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		chromedp.SendKeys("#user_name", "root", chromedp.ByID),
		chromedp.SendKeys("#password", "root-password", chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
		chromedp.WaitVisible("nav.top .who", chromedp.ByQuery),
		chromedp.Navigate(s.URL+"/-/admin/actions/runners"),
		chromedp.Click("#pools-link", chromedp.ByID),
		chromedp.WaitVisible("#pool-linux .pool-runner", chromedp.ByQuery),
		chromedp.Text("#pool-linux .pool-runner", &runnerRow, chromedp.ByQuery),
		chromedp.Text("#pool-broken .pool-failure", &failure, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("section.pool")].map(e => e.dataset.pool).join(",")`, &pools),
		chromedp.Evaluate(`document.querySelectorAll("#pool-broken b").length`, &injected),
		screenshot("pools.png", &shot),
	))
	assert.Equal(t, "linux,broken,octo-pool", pools)
	assert.Contains(t, runnerRow, "linux-")
	assert.Contains(t, runnerRow, "busy")
	assert.Contains(t, runnerRow, "job0", "the runner's job")
	var href string
	require.NoError(t, chromedp.Run(ctx, chromedp.AttributeValue("#pool-linux .runner-job a", "href", &href, nil, chromedp.ByQuery)))
	assert.True(t, strings.HasSuffix(href, fmt.Sprintf("/jobs/%d", job)), href)
	assert.Contains(t, failure, "exit")
	assert.Contains(t, failure, "pulling image")
	assert.Contains(t, failure, "<b>no space</b> left on device", "the output is shown as text")
	assert.Zero(t, injected, "markup in the output is not markup on the page")

	// The owner of octo sees octo's pool on their own page, and nothing else.
	octo := browser(t)
	var status string
	require.NoError(t, chromedp.Run(octo,
		chromedp.Navigate(s.URL+"/user/login"),
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		chromedp.SendKeys("#user_name", "octo", chromedp.ByID),
		chromedp.SendKeys("#password", "octo-password", chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
		chromedp.WaitVisible("nav.top .who", chromedp.ByQuery),
		chromedp.Navigate(s.URL+"/user/settings/actions/pools"),
		chromedp.WaitVisible("#pool-octo-pool", chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll("section.pool")].map(e => e.dataset.pool).join(",")`, &pools),
		chromedp.Navigate(s.URL+"/-/admin/actions/pools"),
		chromedp.Text("h1", &status, chromedp.ByQuery),
	))
	assert.Equal(t, "octo-pool", pools, "an owner sees the pools of their scope only")
	assert.NotContains(t, status, "Pools", "the admin's page is not theirs")

	res, err := http.Get(s.URL + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	m := string(body)
	assert.Contains(t, m, `runnerhub_pool_runners{pool="linux",state="busy"} 1`)
	assert.Contains(t, m, `runnerhub_pool_runners{pool="broken",state="starting"} 0`)
	assert.Contains(t, m, `runnerhub_pool_starts_total{outcome="started",pool="linux"} 1`)
	assert.Regexp(t, `runnerhub_pool_starts_total\{outcome="exit",pool="broken"\} [1-9]`, m)
	assert.Contains(t, m, `runnerhub_pool_start_seconds_count{pool="linux"} 1`)
}
