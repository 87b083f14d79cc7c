package integration

import (
	"fmt"
	"testing"
	"time"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// TestUI_NarrowScreensAndDeliveryDetails opens every page at 400 px wide:
// no page is wider than the screen, and tables become labelled lists. On a
// wide screen, an expanded webhook delivery takes the table's full width.
func TestUI_NarrowScreensAndDeliveryDetails(t *testing.T) {
	u := newUISite(t, fastHooks)
	s := u.s
	rcv := webhooktest.New(t, nil)
	hookURL, active := rcv.URL+"/hook", true
	hook, err := s.App.Webhooks().CreateHook(s.Ctx, identity.ScopeOf(u.repo.OwnerID, u.repo.RepoID), webhook_service.HookInput{URL: &hookURL, Active: &active}, 1)
	require.NoError(t, err)
	runID := u.queueRun(t)
	r := instanceRunner(t, s, "a-runner-with-a-rather-long-name-for-a-phone", false, "linux", "ubuntu-latest:docker://docker.gitea.com/runner-images:ubuntu-latest")
	build := fetch(t, r)
	require.NotNil(t, build)
	sendLog(t, r, build.Id, 0, true, "Preparing", "\x1b[32mok\x1b[0m a long line of compiler output that does not fit on a phone's screen at all, so it wraps")
	reportSteps(t, r, build.Id, runnerv1.Result_RESULT_FAILURE, step(0, runnerv1.Result_RESULT_FAILURE, 1, 1))
	require.Eventually(t, func() bool { return len(rcv.Accepted()) >= 3 }, 20*time.Second, 20*time.Millisecond)

	// Wide: the delivery's request and response span the table.
	hookPage := fmt.Sprintf("%s/octo/app/settings/hooks/%d", s.URL, hook.ID)
	var shot []byte
	var ratio float64
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Navigate(hookPage),
		chromedp.WaitVisible("tr.delivery-detail summary", chromedp.ByQuery),
		chromedp.Click("tr.delivery-detail summary", chromedp.ByQuery),
		chromedp.WaitVisible("tr.delivery-detail pre", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("tr.delivery-detail details").getBoundingClientRect().width / document.querySelector("#delivery-list").getBoundingClientRect().width`, &ratio),
		screenshot("hook-delivery.png", &shot),
	))
	assert.Greater(t, ratio, 0.95, "the expanded delivery uses the table's width")

	pages := []struct{ name, path, ready string }{
		{"runs", "/octo/app/actions", "#run-list"},
		{"run", fmt.Sprintf("/octo/app/actions/runs/%d", runID), "#job-list"},
		{"job", fmt.Sprintf("/octo/app/actions/runs/%d/jobs/%d", runID, build.Id), "#job-log"},
		{"runners", "/octo/app/settings/actions/runners", "#register-command"},
		{"runners-admin", "/-/admin/actions/runners", "#runner-list"},
		{"runner", fmt.Sprintf("/-/admin/actions/runners/%d", r.ID), "#task-list"},
		{"queue", "/-/admin/actions/queue", "#queue-chart"},
		{"hooks", "/octo/app/settings/hooks", "#hook-list"},
		{"hook", fmt.Sprintf("/octo/app/settings/hooks/%d", hook.ID), "#delivery-list"},
		{"audit", "/octo/app/settings/actions/audit", "#audit-list"},
	}
	require.NoError(t, chromedp.Run(u.ctx, emulation.SetDeviceMetricsOverride(400, 860, 1, true)))
	for _, p := range pages {
		var wide bool
		var overflow []string
		require.NoError(t, chromedp.Run(u.ctx,
			chromedp.Navigate(s.URL+p.path),
			chromedp.WaitVisible(p.ready, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide),
			chromedp.Evaluate(`[...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + "." + e.className).slice(0, 5)`, &overflow),
			screenshot("narrow-"+p.name+".png", &shot),
		), p.name)
		assert.False(t, wide, "%s is wider than 400 px: %v", p.name, overflow)
		assert.Empty(t, overflow, p.name)
	}
	var headerHidden bool
	require.NoError(t, chromedp.Run(u.ctx,
		chromedp.Navigate(s.URL+"/octo/app/actions"),
		chromedp.WaitVisible("#run-list", chromedp.ByID),
		chromedp.Evaluate(`getComputedStyle(document.querySelector("#run-list thead")).display === "none"`, &headerHidden),
	))
	assert.True(t, headerHidden, "a narrow table is a list of labelled rows")
}
