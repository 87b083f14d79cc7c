package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/tests/testserver"
)

// storedJobs counts the job table's rows.
func storedJobs(t *testing.T, s *testserver.Server) int64 {
	t.Helper()
	n, err := s.Engine.Count(new(actions_model.RunJob))
	require.NoError(t, err)
	return n
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
	assert.Zero(t, storedJobs(t, s))
}
