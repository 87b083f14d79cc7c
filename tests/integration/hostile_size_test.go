package integration

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	runnerv1 "code.gitea.io/actions-proto-go/runner/v1"
	"code.gitea.io/actions-proto-go/runner/v1/runnerv1connect"
	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestHostile_OversizedRequestsAreCutOff sends bodies past [server]
// MAX_REQUEST_BYTES to the runner protocol, plainly and as a small gzip
// that inflates past the limit, and to the REST API: each is refused
// before it is read in full, and nothing is stored.
func TestHostile_OversizedRequestsAreCutOff(t *testing.T) {
	const limit = 64 << 10
	s := testserver.Start(t, sqliteOnly(), func(o *options.Options) { o.Server.MaxRequestBytes = limit })
	repo := s.CreateRepo(t, "octo", "app")
	r := instanceRunner(t, s, "r", false)
	s.QueueJobs(t, repo, []string{"ubuntu-latest"})
	task := fetch(t, r)
	require.NotNil(t, task)
	big := []*runnerv1.LogRow{{Content: strings.Repeat("x", limit)}, {Content: strings.Repeat("y", limit)}}

	_, err := r.Client.UpdateLog(context.Background(), connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: big}))
	requireCode(t, err, connect.CodeResourceExhausted, "a plain body past the limit")

	zipped := runnerv1connect.NewRunnerServiceClient(http.DefaultClient, s.RPCURL(), connect.WithSendGzip(),
		connect.WithInterceptors(credentials(r.UUID, r.Token)))
	_, err = zipped.UpdateLog(context.Background(), connect.NewRequest(&runnerv1.UpdateLogRequest{TaskId: task.Id, Rows: big}))
	requireCode(t, err, connect.CodeResourceExhausted, "a gzip body that inflates past the limit")

	stored, err := actions_model.GetTaskByID(s.Ctx, task.Id)
	require.NoError(t, err)
	assert.Zero(t, stored.LogLength, "nothing was stored")

	_, admin := newUser(t, s, "root", true)
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/repos/octo/app/actions/runs",
		bytes.NewReader([]byte(`{"workflow":"`+strings.Repeat("a", 2*limit)+`"}`)))
	require.NoError(t, err)
	req.Header.Set("Authorization", admin.header)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "the REST API cuts off too")
	runs, err := s.Engine.Count(new(actions_model.Run))
	require.NoError(t, err)
	assert.Equal(t, int64(1), runs, "no run was created")
}
