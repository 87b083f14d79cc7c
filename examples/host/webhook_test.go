package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/webhooktest"
)

// TestHost_WebhookForAPush creates a repository webhook through the REST API
// with the host's token and sees the job of a push to that repository
// delivered as a signed workflow_job "queued" event naming the host's
// repository, organization and pusher.
func TestHost_WebhookForAPush(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			h := startHost(t, b, func(o *options.Options) {
				o.Webhook.AllowedHostList = "loopback" // the receiver is on 127.0.0.1
				o.Webhook.PollInterval = 20 * time.Millisecond
			})
			w := seedWorld(t, h)
			rcv := webhooktest.New(t, nil)
			const secret = "host-hook-secret"

			res := h.api(t, http.MethodPost, runnerhub.APIPrefix+"/repos/acme/app/hooks", w.tokens["bob"], map[string]any{
				"type": "gitea", "events": []string{"workflow_job"}, "active": true,
				"config": map[string]string{"url": rcv.URL, "content_type": "json", "secret": secret},
			})
			require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
			var hook struct{ ID int64 }
			res.decode(t, &hook)
			res = h.api(t, http.MethodPost, runnerhub.APIPrefix+"/repos/acme/app/hooks", w.tokens["carol"], map[string]any{
				"type": "gitea", "events": []string{"workflow_job"}, "config": map[string]string{"url": rcv.URL, "content_type": "json"},
			})
			require.Equal(t, http.StatusForbidden, res.Status, "a member who does not administer the repository adds no hook: %s", res.Body)

			pushed := h.push(t, w.tokens["carol"], "acme/app")
			h.push(t, w.tokens["carol"], "acme/web") // another repository: its job is not this hook's

			var got []webhooktest.Delivery
			require.Eventually(t, func() bool {
				got = rcv.Deliveries()
				return len(got) > 0
			}, 20*time.Second, 10*time.Millisecond, "the queued event is delivered")
			d := got[0]
			assert.Equal(t, "queued", d.Action)
			assert.Equal(t, pushed.JobIDs[0], d.JobID)
			assert.Equal(t, "workflow_job", d.Header.Get("X-GitHub-Event"))
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write(d.Body)
			assert.Equal(t, "sha256="+hex.EncodeToString(mac.Sum(nil)), d.Header.Get("X-Hub-Signature-256"), "signed with the hook's secret")

			var ev struct {
				WorkflowJob struct {
					RunID  int64 `json:"run_id"`
					Status string
					Labels []string
				} `json:"workflow_job"`
				Repository struct {
					ID       int64
					FullName string `json:"full_name"`
				}
				Organization struct{ Login string }
				Sender       struct{ Login string }
			}
			require.NoError(t, json.Unmarshal(d.Payload, &ev), "%s", d.Payload)
			assert.Equal(t, pushed.RunID, ev.WorkflowJob.RunID)
			assert.Equal(t, "queued", ev.WorkflowJob.Status)
			assert.Equal(t, []string{"linux"}, ev.WorkflowJob.Labels)
			assert.Equal(t, w.app.ID, ev.Repository.ID)
			assert.Equal(t, "acme/app", ev.Repository.FullName)
			assert.Equal(t, "acme", ev.Organization.Login)
			assert.Equal(t, "carol", ev.Sender.Login, "the pusher is the sender")

			// The hook's history, read with the host's token, has that one
			// event: acme/web's job (its row would have been written with the
			// push) is not this hook's.
			res = h.api(t, http.MethodGet, runnerhub.APIPrefix+"/repos/acme/app/hooks/"+strconv.FormatInt(hook.ID, 10)+"/deliveries", w.tokens["bob"], nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			var history []struct {
				GUID   string
				Action string
			}
			res.decode(t, &history)
			require.Len(t, history, 1)
			assert.Equal(t, "queued", history[0].Action)
			assert.Equal(t, d.ID(), history[0].GUID)
		})
	}
}
