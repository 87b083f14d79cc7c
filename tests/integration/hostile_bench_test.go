package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// BenchmarkLabelSetFlood replays the label set flood of issue 10 through
// the REST intake — requests of a 256-job matrix whose every job has its
// own runs-on set (200 requests; 2 with -short) — and then measures what
// the flood costs everyone after it: a /metrics scrape, and a runner's
// claim of a freshly queued job. It reports the label sets stored and the
// scrape's size.
func BenchmarkLabelSetFlood(b *testing.B) {
	requests := 200
	if testing.Short() {
		requests = 2
	}
	s := testserver.Start(b, sqliteOnly(), func(o *options.Options) { o.API.RateLimit = 0 })
	u, err := s.App.Accounts().CreateUser(s.Ctx, identity.CreateUserInput{Name: "root", Email: "root@example.com", Password: "root-password", IsAdmin: true})
	require.NoError(b, err)
	token, err := s.App.Accounts().CreateAccessToken(s.Ctx, u.ID, "bench")
	require.NoError(b, err)
	repo := s.CreateRepo(b, "acme", "app")
	refused := 0
	for i := range requests {
		wf := fmt.Sprintf("on: push\njobs:\n  j:\n    runs-on: flood-%d-${{ matrix.a }}-${{ matrix.b }}\n    strategy:\n      matrix:\n"+
			"        a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n", i)
		body, err := json.Marshal(map[string]any{"workflow": wf})
		require.NoError(b, err)
		req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/repos/acme/app/actions/runs", bytes.NewReader(body))
		require.NoError(b, err)
		req.Header.Set("Authorization", "token "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		_, _ = io.Copy(io.Discard, res.Body)
		require.NoError(b, res.Body.Close())
		switch res.StatusCode {
		case http.StatusCreated:
		case http.StatusUnprocessableEntity:
			refused++
		default:
			b.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	sets, err := s.Engine.Count(new(actions_model.LabelSet))
	require.NoError(b, err)
	b.Logf("%d requests, %d refused, %d label sets stored", requests, refused, sets)

	b.Run("scrape", func(b *testing.B) {
		var size int
		for b.Loop() {
			res, err := http.Get(s.URL + "/metrics")
			require.NoError(b, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(b, err)
			require.NoError(b, res.Body.Close())
			size = len(body)
		}
		b.ReportMetric(float64(size), "bytes/scrape")
		b.ReportMetric(float64(sets), "sets")
	})
	b.Run("claim", func(b *testing.B) {
		r := s.Register(b, s.RegistrationToken(b, identity.InstanceScope), "claimer", []string{"linux"}, false)
		for b.Loop() {
			b.StopTimer()
			s.QueueJobs(b, repo, []string{"linux"})
			b.StartTimer()
			res, err := r.Client.FetchTask(context.Background(), connect.NewRequest(&runnerv1.FetchTaskRequest{}))
			require.NoError(b, err)
			require.NotNil(b, res.Msg.Task)
			b.StopTimer()
			_, err = r.Client.UpdateTask(context.Background(), connect.NewRequest(&runnerv1.UpdateTaskRequest{
				State: &runnerv1.TaskState{Id: res.Msg.Task.Id, Result: runnerv1.Result_RESULT_SUCCESS},
			}))
			require.NoError(b, err)
			b.StartTimer()
		}
	})
}
