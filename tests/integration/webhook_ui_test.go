package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/services/identity"
	webhook_service "code.runnerhub.dev/runnerhub/services/webhook"
	"code.runnerhub.dev/runnerhub/tests/testserver"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// TestUI_WebhookPages adds a repository webhook in the browser, sees the
// delivery of a queued job in its history, and redelivers it.
func TestUI_WebhookPages(t *testing.T) {
	s := testserver.Start(t, sqliteOnly(), fastHooks)
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
	require.NoError(t, err)
	repo := s.CreateRepo(t, "octo", "app")
	rcv := webhooktest.New(t, nil)
	ctx := browser(t)
	var shot []byte

	var list, flash string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/octo/app/settings/actions/runners"),
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		chromedp.SendKeys("#user_name", "root", chromedp.ByID),
		chromedp.SendKeys("#password", "root-password", chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
		chromedp.WaitVisible("#webhooks-link", chromedp.ByID),
		chromedp.Click("#webhooks-link", chromedp.ByID),
		chromedp.WaitVisible("#create-hook", chromedp.ByID),
		chromedp.SendKeys("#hook-url", rcv.URL+"/hook", chromedp.ByID),
		chromedp.SendKeys("#hook-secret", "ui-secret", chromedp.ByID),
		chromedp.Click("#create-hook-button", chromedp.ByID),
		chromedp.WaitVisible("tr[data-hook-id]", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
		chromedp.Text("#hook-list", &list, chromedp.ByID),
		screenshot("hooks.png", &shot),
	))
	assert.Contains(t, flash, "added")
	assert.Contains(t, list, rcv.URL+"/hook")
	assert.Contains(t, list, "workflow_job")
	assert.NotContains(t, list, "ui-secret", "the secret is never shown")

	jobID := s.QueueJobs(t, repo, []string{"linux"})[0]
	require.Eventually(t, func() bool { return len(rcv.Accepted()) == 1 }, 20*time.Second, 20*time.Millisecond)
	first := rcv.Accepted()[0]
	assert.Equal(t, jobID, first.JobID)
	assert.Equal(t, webhook_service.Sign(first.Body, "ui-secret"), first.Header.Get("X-Hub-Signature-256"))

	// The hook's page lists the delivery once its outcome is recorded.
	var history string
	require.NoError(t, chromedp.Run(ctx, chromedp.Click("a.hook-url", chromedp.ByQuery), chromedp.WaitVisible("#delivery-list", chromedp.ByID)))
	require.Eventually(t, func() bool {
		require.NoError(t, chromedp.Run(ctx, chromedp.Reload(), chromedp.WaitVisible("#delivery-list", chromedp.ByID),
			chromedp.Text("#delivery-list", &history, chromedp.ByID)))
		return strings.Contains(history, "succeeded")
	}, 20*time.Second, 100*time.Millisecond)
	assert.Contains(t, history, first.ID())
	assert.Contains(t, history, "queued")
	assert.Contains(t, history, "200")

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`#delivery-list form[action$="/redeliver"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
		screenshot("hook.png", &shot),
	))
	assert.Contains(t, flash, "queued again")
	require.Eventually(t, func() bool { return len(rcv.Accepted()) == 2 }, 20*time.Second, 20*time.Millisecond)
	assert.Equal(t, first.ID(), rcv.Accepted()[1].ID(), "a redelivery keeps the delivery id")
}
