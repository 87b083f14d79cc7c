package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// screenshotDir is where the UI test leaves pictures of the main pages; the
// README names it.
const screenshotDir = "screenshots"

// browser starts Debian's headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed: the web UI test needs a real browser")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute) // a deadline for every wait below
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	// Deleting asks for confirmation; the test says yes.
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	return ctx
}

func screenshot(name string, buf *[]byte) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := chromedp.FullScreenshot(buf, 100).Do(ctx); err != nil {
			return err
		}
		if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(screenshotDir, name), *buf, 0o644)
	})
}

// TestUI_RunnerLifecycle signs in, creates a named token in the browser,
// registers a runner with it through the protocol, sees it in the list and
// on its own page, deletes it, and signs out.
func TestUI_RunnerLifecycle(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Password: "root-password", IsAdmin: true})
	require.NoError(t, err)
	ctx := browser(t)
	runnersURL := s.URL + "/-/admin/actions/runners"
	var shot []byte

	// Visiting a settings page first leads to sign-in and back.
	var body string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(runnersURL),
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		screenshot("login.png", &shot),
		chromedp.SendKeys("#user_name", "root", chromedp.ByID),
		chromedp.SendKeys("#password", "root-password", chromedp.ByID),
		chromedp.Click("#sign-in", chromedp.ByID),
		chromedp.WaitVisible("#create-token", chromedp.ByID),
		chromedp.Text("nav.top", &body, chromedp.ByQuery),
	))
	assert.Contains(t, body, "Signed in as root")

	// A named token, shown once.
	var token string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SendKeys("#token-name", "ui token", chromedp.ByID),
		chromedp.SetValue("#token-max-uses", "1", chromedp.ByID),
		chromedp.Click("#create-token-button", chromedp.ByID),
		chromedp.WaitVisible("#new-token", chromedp.ByID),
		chromedp.Text("#new-token", &token, chromedp.ByID),
	))
	token = strings.TrimSpace(token)
	require.Len(t, token, 40)

	// A runner registers with it, as act_runner would; its name and labels
	// carry markup, which the page must show as text.
	name := `<img src=x onerror=alert(1)> runner`
	r := s.Register(t, token, name, []string{"ubuntu-latest:docker://node:20", "<b>gpu</b>"}, false)
	s.QueueJobs(t, s.CreateRepo(t, "octo", "app"), []string{"ubuntu-latest"})
	require.NotNil(t, fetch(t, r), "the runner takes the job, so the pages show it busy")
	row := fmt.Sprintf(`tr[data-runner-id="%d"]`, r.ID)
	var shown, labels string
	var injected int
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(runnersURL),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Text(row+" .runner-name", &shown, chromedp.ByQuery),
		chromedp.Text(row, &labels, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#runner-list img, #runner-list b").length`, &injected),
		screenshot("runners.png", &shot),
	))
	assert.Equal(t, name, shown, "the name is shown as text")
	assert.Contains(t, labels, "<b>gpu</b>")
	assert.Contains(t, labels, "job0", "the current job is shown")
	assert.Equal(t, 0, injected, "no markup from runner data became elements")

	// The used-up token says so in the list.
	var tokens string
	require.NoError(t, chromedp.Run(ctx, chromedp.Text("#token-list", &tokens, chromedp.ByID)))
	assert.Contains(t, tokens, "used up")

	// The runner's own page.
	var title, tasks string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(row+" .runner-name", chromedp.ByQuery),
		chromedp.WaitVisible("#task-list", chromedp.ByID),
		chromedp.Text("#runner-title", &title, chromedp.ByID),
		chromedp.Text("#task-list", &tasks, chromedp.ByID),
		screenshot("runner.png", &shot),
	))
	assert.Contains(t, title, name)
	assert.Contains(t, tasks, "job0")
	assert.Contains(t, tasks, "running")

	// Delete it from the list.
	var flash string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(runnersURL),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Click(row+` form[action$="/delete"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery),
		chromedp.WaitNotPresent(row, chromedp.ByQuery),
	))
	assert.Contains(t, flash, "deleted")
	_, err = actions_model.GetRunnerByID(s.Ctx, r.ID)
	assert.Error(t, err, "the runner is gone")

	// Sign out ends the session: the settings page asks to sign in again.
	var url string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click("#sign-out", chromedp.ByID),
		chromedp.WaitVisible(`a[href="/user/login"]`, chromedp.ByQuery),
		chromedp.Navigate(runnersURL),
		chromedp.WaitVisible("#user_name", chromedp.ByID),
		chromedp.Location(&url),
	))
	assert.Contains(t, url, "/user/login")
}
