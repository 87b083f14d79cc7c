package integration

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// bigEnvMatrix is the storage attack of issue 10: an env of envBytes and a
// 256-combination matrix, so that each of the 256 jobs would repeat the
// env in its payload.
func bigEnvMatrix(envBytes int) string {
	var b strings.Builder
	b.WriteString("name: amplify\non: push\nenv:\n  BIG: ")
	b.WriteString(strings.Repeat("x", envBytes))
	b.WriteString("\njobs:\n  m:\n    runs-on: linux\n    strategy:\n      matrix:\n        a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n    steps:\n      - run: echo $BIG\n")
	return b.String()
}

// storedPayloadBytes is what the job table holds in workflow payloads.
func storedPayloadBytes(t *testing.T, s *testserver.Server) (jobs, bytes int64) {
	t.Helper()
	var all []*actions_model.RunJob
	require.NoError(t, db.GetEngine(s.Ctx).Cols("workflow_payload").Find(&all))
	for _, j := range all {
		bytes += int64(len(j.WorkflowPayload))
	}
	return int64(len(all)), bytes
}

// TestHostile_RunPayloadBytesAreCapped replays the storage attack: a 1 MB
// env times a 256-job matrix would have stored 256 copies of the env. It is
// refused with 422 naming MAX_RUN_PAYLOAD_BYTES, and nothing is stored; a
// workflow under the cap is stored whole, and each job's payload is still a
// complete single-job workflow with the header.
func TestHostile_RunPayloadBytesAreCapped(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		s.CreateRepo(t, "acme", "app")
		path := "/api/v1/repos/acme/app/actions/runs"

		res := admin.do(t, "POST", path, map[string]any{"workflow": bigEnvMatrix(1_000_000)})
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
		assert.Contains(t, res.message(t), "MAX_RUN_PAYLOAD_BYTES")
		assert.Contains(t, res.message(t), fmt.Sprint(options.Default().Actions.MaxRunPayloadBytes))
		jobs, bytes := storedPayloadBytes(t, s)
		assert.Zero(t, jobs, "no job stored")
		assert.Zero(t, bytes)
		runs, err := db.GetEngine(s.Ctx).Count(new(actions_model.Run))
		require.NoError(t, err)
		assert.Zero(t, runs, "no run stored")
		t.Logf("1 MB env × 256 jobs: %d jobs, %d payload bytes stored", jobs, bytes)

		small := bigEnvMatrix(40_000)
		startRun(t, admin, "acme/app", small)
		jobs, bytes = storedPayloadBytes(t, s)
		assert.EqualValues(t, 256, jobs)
		assert.Greater(t, bytes, int64(256*40_000), "each job carries the env")
		assert.LessOrEqual(t, bytes, options.Default().Actions.MaxRunPayloadBytes)
		t.Logf("40 KB env × 256 jobs: %d payload bytes stored", bytes)

		r := instanceRunner(t, s, "r1", false, "linux")
		task := fetch(t, r)
		require.NotNil(t, task)
		payload := string(task.WorkflowPayload)
		assert.Contains(t, payload, strings.Repeat("x", 40_000), "the runner gets the header")
		assert.Contains(t, payload, "echo $BIG", "and the job")
	}, func(o *options.Options) { o.API.RateLimit = 0 })
}

// TestHostile_IntakeFloodIsRefusedCheaply sends the 32 KB, 1,500-entry
// include flood of issue 10 through the REST intake ten times: each is a
// 422 that names the job cap, and nothing is stored. (The work per request
// is counted in services/workflow's TestParse_IncludeFloodIsRefusedEarly.)
func TestHostile_IntakeFloodIsRefusedCheaply(t *testing.T) {
	s := testserver.Start(t, sqliteOnly())
	_, admin := newUser(t, s, "root", true)
	s.CreateRepo(t, "acme", "app")
	var b strings.Builder
	b.WriteString("on: push\njobs:\n  flood:\n    runs-on: x\n    strategy:\n      matrix:\n        os: [base]\n        include:\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "          - os: [v%d]\n", i)
	}
	for range 10 {
		res := admin.do(t, "POST", "/api/v1/repos/acme/app/actions/runs", map[string]any{"workflow": b.String()})
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, "%s", res.Body)
		assert.Contains(t, res.message(t), "more than 256 jobs")
	}
	jobs, _ := storedPayloadBytes(t, s)
	assert.Zero(t, jobs)
}

// TestHostile_LabelSetFloodIsCapped replays the label set flood of issue
// 10 (200 requests made 51,208 sets): one owner's runs past
// MAX_LABEL_SETS_PER_OWNER distinct runs-on sets are refused with 422
// naming it, nothing of them stored, and /metrics shows at most
// MAX_LABEL_SET_SERIES sets by name plus one "other".
func TestHostile_LabelSetFloodIsCapped(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *testserver.Server) {
		_, admin := newUser(t, s, "root", true)
		s.CreateRepo(t, "acme", "app")
		limit := s.Opts.Actions.MaxLabelSetsPerOwner
		series := s.Opts.Metrics.MaxLabelSetSeries
		require.Equal(t, 200, limit, "the default")
		require.Equal(t, 50, series, "the default")
		accepted, refused := 0, 0
		for i := range limit + 10 {
			// 1 to 5 jobs waiting for set i, so the sets' waiting counts differ.
			vals := make([]string, i%5+1)
			for j := range vals {
				vals[j] = fmt.Sprint(j + 1)
			}
			wf := fmt.Sprintf("on: push\njobs:\n  j:\n    runs-on: [flood-%03d]\n    strategy:\n      matrix:\n        n: [%s]\n", i, strings.Join(vals, ", "))
			res := admin.do(t, "POST", "/api/v1/repos/acme/app/actions/runs", map[string]any{"workflow": wf})
			switch res.Status {
			case http.StatusCreated:
				accepted++
			case http.StatusUnprocessableEntity:
				refused++
				assert.Contains(t, res.message(t), "MAX_LABEL_SETS_PER_OWNER")
			default:
				t.Fatalf("run %d: %d %s", i, res.Status, res.Body)
			}
		}
		assert.Equal(t, limit, accepted)
		assert.Equal(t, 10, refused)
		sets, err := s.Engine.Count(new(actions_model.LabelSet))
		require.NoError(t, err)
		assert.EqualValues(t, limit, sets, "no set of a refused run is stored")

		res, err := http.Get(s.URL + "/metrics")
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.NoError(t, res.Body.Close())
		var lines, other int
		for _, l := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(l, "runnerhub_jobs_waiting{") {
				lines++
				if strings.HasPrefix(l, `runnerhub_jobs_waiting{labels="other"}`) {
					other++
				}
			}
		}
		assert.Equal(t, series+1, lines, "at most MAX_LABEL_SET_SERIES sets by name and one other")
		assert.Equal(t, 1, other)
		assert.Contains(t, string(body), `runnerhub_jobs_waiting{labels="flood-004"} 5`, "the sets with most waiting jobs are shown by name")
		t.Logf("/metrics: %d bytes, %d jobs_waiting series for %d label sets", len(body), lines, sets)
	}, func(o *options.Options) { o.API.RateLimit = 0 })
}
