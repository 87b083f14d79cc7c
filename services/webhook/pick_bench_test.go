package webhook

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	webhook_model "code.runnerhub.dev/runnerhub/models/webhook"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// benchBacklog is the queued deliveries behind one tenant's dead
// receivers in BenchmarkPickDeliveries; -short keeps CI quick.
func benchBacklog() []int {
	if testing.Short() {
		return []int{1000}
	}
	return []int{1000, 50000}
}

// BenchmarkPickDeliveries is one pass of the delivery workers' picking
// (find the webhooks with pending deliveries, their owners, and the due
// deliveries of those with room) while one tenant's 20 webhooks have a
// backlog of queued deliveries, half of them backing off, over as many
// delivered ones (five of the webhooks have nothing but deliveries backing
// off), and another owner's webhook has one new event:
//   - "cold": no delivery under way and every webhook read on every pass,
//     the worst case: a webhook whose whole backlog backs off is walked;
//   - "steady": the same, with webhooks that had nothing due resting for
//     POLL_INTERVAL, as the workers run;
//   - "tarpit": the tenant's share of the workers held by its receivers.
//
// The steady and tarpit costs must not grow with the backlog.
func BenchmarkPickDeliveries(b *testing.B) {
	for _, be := range dbtest.Backends() {
		for _, backlog := range benchBacklog() {
			x := be.NewEngine(b)
			ctx := db.WithEngine(context.Background(), x)
			require.NoError(b, migrations.Migrate(ctx, x, migrations.Standalone))
			o := options.Default()
			box, err := secret.NewBox("bench-key")
			require.NoError(b, err)
			s, err := New(o, box, identity.NewStandalone())
			require.NoError(b, err)
			other := fillBacklog(b, ctx, backlog)

			for _, mode := range []string{"cold", "steady", "tarpit"} {
				b.Run(fmt.Sprintf("%s/backlog=%d/%s", be.Name, backlog, mode), func(b *testing.B) {
					rest := o.Webhook.PollInterval
					if mode == "cold" {
						rest = time.Nanosecond
					}
					s.sched = newScheduler(o.Webhook.DeliveriesPerHook, o.Webhook.OwnerDeliveries(), rest)
					if mode == "steady" {
						_, _, err := s.findDue(ctx, o.Webhook.DeliveryWorkers) // the first pass finds the resting ones
						require.NoError(b, err)
					}
					if mode == "tarpit" {
						for i := range o.Webhook.OwnerDeliveries() {
							s.sched.start(int64(i%20+1), 1) // the tenant's receivers hold its share
						}
					}
					b.ReportAllocs()
					for b.Loop() {
						due, _, err := s.findDue(ctx, o.Webhook.DeliveryWorkers)
						require.NoError(b, err)
						require.True(b, hasHook(due, other), "the other owner's event is picked")
					}
				})
			}
		}
	}
}

// fillBacklog writes n pending deliveries over webhooks 1–20 of owner 1
// (half due, half backing off) and n delivered ones, then one pending
// delivery to a webhook of owner 2, whose id it returns.
func fillBacklog(b *testing.B, ctx context.Context, n int) int64 {
	b.Helper()
	for i := 1; i <= 20; i++ {
		require.NoError(b, webhook_model.CreateWebhook(ctx, &webhook_model.Webhook{OwnerID: 1, Type: "gitea", URL: "http://tarpit.test/", ContentType: "json", IsActive: true}))
	}
	other := &webhook_model.Webhook{OwnerID: 2, Type: "gitea", URL: "http://other.test/", ContentType: "json", IsActive: true}
	require.NoError(b, webhook_model.CreateWebhook(ctx, other))
	now := time.Now().UnixMilli()
	batch := make([]*webhook_model.HookTask, 0, 500)
	flush := func() {
		if len(batch) > 0 {
			_, err := db.GetEngine(ctx).Insert(&batch)
			require.NoError(b, err)
			batch = batch[:0]
		}
	}
	for i := range 2 * n {
		t := &webhook_model.HookTask{
			HookID: int64(i%20 + 1), JobID: int64(i/2 + 1), DeliveryUUID: fmt.Sprintf("%036d", i),
			Event: "workflow_job", Action: "queued", Payload: `{"action":"queued"}`,
			Status: webhook_model.HookTaskPending, NextAttempt: now,
		}
		switch i % 4 {
		case 1:
			t.NextAttempt = now + time.Hour.Milliseconds() // backing off
		case 2, 3:
			t.Status = webhook_model.HookTaskSucceeded
		}
		batch = append(batch, t)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	require.NoError(b, webhook_model.CreateHookTask(ctx, &webhook_model.HookTask{
		HookID: other.ID, JobID: int64(n + 1), DeliveryUUID: "other", Event: "workflow_job", Action: "queued",
		Payload: `{"action":"queued"}`, Status: webhook_model.HookTaskPending, NextAttempt: now,
	}))
	return other.ID
}

func hasHook(ts []*webhook_model.HookTask, hookID int64) bool {
	for _, t := range ts {
		if t.HookID == hookID {
			return true
		}
	}
	return false
}
