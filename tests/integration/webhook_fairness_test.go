package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/models/db"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// tarpit is a receiver that accepts every connection and never answers
// until the test ends.
type tarpit struct {
	*httptest.Server
	entered, answered atomic.Int64
}

func newTarpit(t *testing.T) *tarpit {
	tp := &tarpit{}
	release := make(chan struct{})
	tp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tp.entered.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		tp.answered.Add(1)
	}))
	t.Cleanup(func() { close(release); tp.Close() })
	return tp
}

// TestWebhook_TenantsTarpitsDoNotStallAnotherOwner: one tenant has 20
// webhooks whose receivers never answer, with 5,000 deliveries queued
// behind them; another owner's event still goes out while every one of the
// tenant's attempts is hanging.
func TestWebhook_TenantsTarpitsDoNotStallAnotherOwner(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		root, admin := newUser(t, s, "root", true)
		tenant, err := s.App.Accounts().CreateOrg(s.Ctx, root, "tenant")
		require.NoError(t, err)
		tp := newTarpit(t)
		for i := range 20 {
			addHookAt(t, admin, "/orgs/tenant", fmt.Sprintf("%s/hook/%d", tp.URL, i), "")
		}
		hooks, _, err := webhook_model.FindWebhooks(s.Ctx, tenant.ID, 0, db.Page{})
		require.NoError(t, err)
		require.Len(t, hooks, 20)
		const backlog = 5000
		now := time.Now().UnixMilli()
		rows := make([]*webhook_model.HookTask, 0, 500)
		for i := range backlog {
			rows = append(rows, &webhook_model.HookTask{
				HookID: hooks[i%20].ID, JobID: int64(1_000_000 + i), DeliveryUUID: fmt.Sprintf("tarpit-%d", i),
				Event: "workflow_job", Action: "queued", Payload: `{"action":"queued","workflow_job":{"id":1}}`,
				Status: webhook_model.HookTaskPending, NextAttempt: now,
			})
			if len(rows) == cap(rows) {
				_, err := s.Engine.Insert(&rows)
				require.NoError(t, err)
				rows = rows[:0]
			}
		}
		require.Eventually(t, func() bool { return tp.entered.Load() == int64(s.Opts.Webhook.OwnerDeliveries()) }, 20*time.Second, 10*time.Millisecond,
			"the tenant's receivers hold its share of the workers")

		rcv := webhooktest.New(t, nil)
		repo := s.CreateRepo(t, "other", "app")
		addRepoHook(t, admin, "other/app", rcv.URL, "")
		start := time.Now()
		s.QueueJobs(t, repo, []string{"linux"})
		require.Eventually(t, func() bool { return len(rcv.Accepted()) == 1 }, 20*time.Second, 5*time.Millisecond)
		took := time.Since(start)
		assert.Zero(t, tp.answered.Load(), "the other owner's event went out while every tarpit attempt still hung")
		assert.Equal(t, int64(s.Opts.Webhook.OwnerDeliveries()), tp.entered.Load(), "the tenant never held more than its share")
		t.Logf("%s: another owner's delivery arrived %v after its job was queued, behind %d deliveries to 20 hanging receivers", s.Engine.DriverName(), took, backlog)
	}, fastHooks, func(o *options.Options) {
		o.Webhook.DeliverTimeout = 120 // the tarpits hang for the whole test
	})
}
