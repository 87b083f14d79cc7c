package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// TestQueueAPI_SaysWhyJobsWait queues jobs no runner can take and reads the
// repository's queue: the group, its repository, the reason and the
// nearest runner, and the sampled history.
func TestQueueAPI_SaysWhyJobsWait(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		_, stranger := newUser(t, s, "stranger", false)
		repo := s.CreateRepo(t, "octo", "app")
		r := instanceRunner(t, s, "x64-box", false, "linux", "x64")
		fetch(t, r) // in touch: online
		s.QueueJobs(t, repo, []string{"linux", "gpu"}, []string{"linux", "gpu"})

		type queue struct {
			TotalCount int64 `json:"total_count"`
			Groups     []struct {
				Labels       []string `json:"labels"`
				Count        int64    `json:"count"`
				Reason       string   `json:"reason"`
				Repositories []struct {
					FullName string `json:"full_name"`
					Count    int64  `json:"count"`
				} `json:"repositories"`
				Jobs           []jobJSON `json:"jobs"`
				ClosestRunners []struct {
					Name          string   `json:"name"`
					Status        string   `json:"status"`
					MissingLabels []string `json:"missing_labels"`
				} `json:"closest_runners"`
			} `json:"groups"`
			History []struct {
				Waiting int64 `json:"waiting"`
			} `json:"history"`
		}
		var q queue
		// The sampler records the queue every second here; wait for a sample
		// taken after the jobs were queued.
		require.Eventually(t, func() bool {
			q = queue{}
			res := admin.do(t, "GET", "/api/v1/repos/octo/app/actions/queue", nil)
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			res.decode(t, &q)
			return len(q.History) > 0 && q.History[len(q.History)-1].Waiting == 2
		}, 20*time.Second, 200*time.Millisecond)
		assert.EqualValues(t, 2, q.TotalCount)
		require.Len(t, q.Groups, 1)
		g := q.Groups[0]
		assert.Equal(t, []string{"gpu", "linux"}, g.Labels)
		assert.Equal(t, "no_match", g.Reason)
		require.Len(t, g.Repositories, 1)
		assert.Equal(t, "octo/app", g.Repositories[0].FullName)
		assert.Len(t, g.Jobs, 2)
		require.Len(t, g.ClosestRunners, 1)
		assert.Equal(t, "x64-box", g.ClosestRunners[0].Name)
		assert.Equal(t, "online", g.ClosestRunners[0].Status)
		assert.Equal(t, []string{"gpu"}, g.ClosestRunners[0].MissingLabels)
		res := admin.do(t, "GET", "/api/v1/admin/actions/queue?hours=0", nil)
		assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
		res = admin.do(t, "GET", "/api/v1/admin/actions/queue?hours=24", nil)
		assert.Equal(t, http.StatusOK, res.Status)
		res = stranger.do(t, "GET", "/api/v1/repos/octo/app/actions/queue", nil)
		assert.Equal(t, http.StatusNotFound, res.Status, "a repository the caller may not read does not exist for them")
	}, func(o *options.Options) { o.Actions.QueueSampleInterval = time.Second })
}
