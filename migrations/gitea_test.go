package migrations_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/giteafixture"
)

func giteaOptions(t *testing.T) (migrations.Options, *secret.Box) {
	box, err := secret.NewBox("test-secret-key")
	require.NoError(t, err)
	return migrations.Options{Seal: box.Seal}, box
}

// eachGitea runs fn on a Gitea-shaped database on every backend.
func eachGitea(t *testing.T, fn func(t *testing.T, x *xorm.Engine, g *giteafixture.Gitea)) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			x := b.NewEngine(t)
			fn(t, x, giteafixture.Create(t, x))
		})
	}
}

// snapshot reads the rows of Gitea's own tables that the adoption must not touch.
func snapshot(t *testing.T, x *xorm.Engine) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for _, table := range []string{"user", "repository", "team", "team_user", "access", "access_token", "webhook", "hook_task", "action_variable", "dbfs_meta", "version"} {
		rows, err := x.QueryString("SELECT * FROM " + x.Quote(table) + " ORDER BY id")
		require.NoError(t, err, table)
		out[table] = rows
	}
	return out
}

func TestAdoptGitea_ConvertsEveryTable(t *testing.T) {
	eachGitea(t, func(t *testing.T, x *xorm.Engine, g *giteafixture.Gitea) {
		ctx := context.Background()
		opts, box := giteaOptions(t)
		before := snapshot(t, x)
		require.NoError(t, migrations.Migrate(ctx, x, opts))
		require.NoError(t, migrations.Check(x, opts))
		assert.Equal(t, before, snapshot(t, x), "Gitea's own tables keep their rows")
		assertAdopted(t, x, g, box)
	})
}

func assertAdopted(t *testing.T, x *xorm.Engine, g *giteafixture.Gitea, box *secret.Box) {
	t.Helper()
	// Runners: ids, uuids, names, labels, versions; a repository's runner
	// gets its repository's owner; the orphan is kept as removed.
	var runners []actions_model.Runner
	require.NoError(t, x.Find(&runners))
	require.Len(t, runners, len(g.Runners))
	byID := map[int64]actions_model.Runner{}
	for _, r := range runners {
		byID[r.ID] = r
	}
	for _, want := range g.Runners {
		r, ok := byID[want.ID]
		require.True(t, ok, want.Name)
		assert.Equal(t, want.UUID, r.UUID)
		assert.Equal(t, want.Name, r.Name)
		assert.Equal(t, want.Version, r.Version)
		assert.Equal(t, want.Labels, r.LabelList(), want.Name)
		assert.Equal(t, want.Ephemeral, r.Ephemeral, want.Name)
		assert.Equal(t, want.RepoID, r.RepoID, want.Name)
		switch {
		case want.Orphan:
			assert.NotZero(t, r.Deleted, "a runner whose repository is gone is kept as removed")
		case want.RepoID != 0:
			assert.Equal(t, g.Orgs["acme"], r.OwnerID, "a repository's runner is filed under the repository's owner")
		default:
			assert.Equal(t, want.OwnerID, r.OwnerID, want.Name)
		}
		assert.Equal(t, want.Deleted, r.Deleted != 0 && !want.Orphan, want.Name)
		assert.Empty(t, r.TokenHash, "no Runnerhub hash before the first call")
		assert.True(t, strings.HasPrefix(r.LegacyTokenHash, "gitea-pbkdf2-sha256$10000$50$"), r.LegacyTokenHash)
		assert.NotContains(t, r.LegacyTokenHash, want.Token)
	}
	assert.EqualValues(t, 3, byID[g.Runners["global-1"].ID].TaskCount, "tasks ever taken are counted")

	// Registration tokens: hashed, the scope's newest one sealed and default.
	var tokens []actions_model.RunnerToken
	require.NoError(t, x.OrderBy("id").Find(&tokens))
	require.Len(t, tokens, 4)
	hashes := map[string]actions_model.RunnerToken{}
	for _, tk := range tokens {
		hashes[tk.TokenHash] = tk
	}
	old := hashes[secret.Hash(g.OldRegistrationToken)]
	assert.True(t, old.Disabled)
	assert.False(t, old.IsDefault)
	for scope, plain := range g.RegistrationTokens {
		tk, ok := hashes[secret.Hash(plain)]
		require.True(t, ok, scope)
		assert.True(t, tk.IsDefault, scope)
		assert.False(t, tk.Disabled, scope)
		opened, err := box.Open(tk.TokenCipher)
		require.NoError(t, err, scope)
		assert.Equal(t, plain, opened)
		if scope == "acme/app" {
			assert.Equal(t, g.Orgs["acme"], tk.OwnerID)
			assert.Equal(t, g.Repos["acme/app"], tk.RepoID)
		}
	}
	rows, err := x.QueryString("SELECT token_hash, token_cipher FROM action_runner_token")
	require.NoError(t, err)
	for _, r := range rows {
		for _, plain := range g.RegistrationTokens {
			assert.NotContains(t, r["token_hash"]+r["token_cipher"], plain, "no token in clear")
		}
	}

	// Runs, jobs, tasks, steps, outputs.
	run := &actions_model.Run{}
	has, err := x.ID(g.FinishedRunID).Get(run)
	require.NoError(t, err)
	require.True(t, has)
	assert.EqualValues(t, 1, run.Number)
	assert.Equal(t, actions_model.StatusSuccess, run.Status)
	waiting := &actions_model.RunJob{}
	has, err = x.ID(g.WaitingJobID).Get(waiting)
	require.NoError(t, err)
	require.True(t, has)
	assert.Equal(t, actions_model.StatusWaiting, waiting.Status)
	assert.Equal(t, actions_model.LabelKey([]string{"linux"}), waiting.LabelKey)
	assert.NotZero(t, waiting.Queued)
	blocked := &actions_model.RunJob{}
	has, err = x.ID(g.BlockedJobID).Get(blocked)
	require.NoError(t, err)
	require.True(t, has)
	assert.Equal(t, "${{ always() }}", blocked.IfCondition)
	assert.Equal(t, []string{"test"}, blocked.NeedList())
	assert.Contains(t, blocked.WorkflowPayload, "jobs:")
	n, err := x.Where("label_key = ?", waiting.LabelKey).Count(new(actions_model.LabelSet))
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "the waiting job's label set is known to the matcher")

	task := &actions_model.Task{}
	has, err = x.ID(g.FinishedTaskZst).Get(task)
	require.NoError(t, err)
	require.True(t, has)
	assert.True(t, strings.HasSuffix(task.LegacyLogFilename, ".log.zst"), task.LegacyLogFilename)
	assert.True(t, task.LogClosed)
	assert.EqualValues(t, len(g.FinishedLogZst), task.LogLength)
	expired := &actions_model.Task{}
	has, err = x.ID(g.ExpiredLogTaskID).Get(expired)
	require.NoError(t, err)
	require.True(t, has)
	assert.Empty(t, expired.LegacyLogFilename, "an expired log is gone")
	steps, err := x.Where("task_id = ?", g.FinishedTaskZst).Count(new(actions_model.TaskStep))
	require.NoError(t, err)
	assert.EqualValues(t, 2, steps)
	outs, err := x.Where("task_id = ?", g.FinishedTaskZst).Count(new(actions_model.TaskOutput))
	require.NoError(t, err)
	assert.EqualValues(t, 1, outs)

	// The running task's dbfs log is in action_log_chunk.
	running := &actions_model.Task{}
	has, err = x.ID(g.RunningTaskID).Get(running)
	require.NoError(t, err)
	require.True(t, has)
	assert.Equal(t, actions_model.StatusRunning, running.Status)
	assert.False(t, running.LogClosed)
	assert.EqualValues(t, len(g.RunningLog), running.LogLength)
	assert.Empty(t, running.LegacyLogFilename)
	var chunks []actions_model.LogChunk
	require.NoError(t, x.Where("task_id = ?", g.RunningTaskID).OrderBy("first_index").Find(&chunks))
	var lines []actions_model.LogLine
	for _, c := range chunks {
		ls, err := actions_model.DecodeLogLines(c.Data)
		require.NoError(t, err)
		lines = append(lines, ls...)
	}
	require.Len(t, lines, len(g.RunningLog))
	for i, l := range g.RunningLog {
		assert.Equal(t, l.Content, lines[i].Content)
		assert.Equal(t, l.Time.UnixNano(), lines[i].UnixNano)
	}

	// Versions above any Gitea handed out.
	var versions []int64
	require.NoError(t, x.SQL("SELECT version FROM action_tasks_version").Find(&versions))
	require.NotEmpty(t, versions)
	for _, v := range versions {
		assert.Greater(t, v, int64(41))
	}

	// Gitea's action tables are kept aside, Runnerhub's webhooks start empty.
	for _, table := range []string{"gitea_action_runner", "gitea_action_task", "action_webhook", "action_hook_task"} {
		ok, err := x.IsTableExist(table)
		require.NoError(t, err)
		assert.True(t, ok, table)
	}
}

func TestAdoptGitea_RefusesStandaloneAccountsAndChangesNothing(t *testing.T) {
	eachGitea(t, func(t *testing.T, x *xorm.Engine, g *giteafixture.Gitea) {
		before := schemaOf(t, x)
		err := migrations.Migrate(context.Background(), x, migrations.Standalone)
		require.ErrorIs(t, err, migrations.ErrGiteaNeedsHostAccounts)
		after := schemaOf(t, x)
		var added []string
		for _, c := range after {
			if !contains(before, c) && !strings.HasPrefix(c, "schema_version") {
				added = append(added, c)
			}
		}
		assert.Empty(t, added, "only the version tables may appear")
		ok, err := hasColumn(x, "action_runner", "token_salt")
		require.NoError(t, err)
		assert.True(t, ok, "Gitea's action_runner is where it was")
	})
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

func hasColumn(x *xorm.Engine, table, column string) (bool, error) {
	rows, err := x.QueryString("SELECT * FROM " + x.Quote(table) + " WHERE 1 = 0")
	_ = rows
	if err != nil {
		return false, err
	}
	tables, err := x.DBMetas()
	if err != nil {
		return false, err
	}
	for _, tb := range tables {
		if tb.Name == table {
			return tb.GetColumn(column) != nil, nil
		}
	}
	return false, nil
}

// TestAdoptGitea_ResumesAfterACrash stops the adoption at every phase, as a
// crash would, and migrates again: the result is the same as in one go.
func TestAdoptGitea_ResumesAfterACrash(t *testing.T) {
	for _, stopAt := range []int{-1, 0, 3, 7, 9} {
		t.Run(fmt.Sprintf("stopped_at_%d", stopAt), func(t *testing.T) {
			eachGitea(t, func(t *testing.T, x *xorm.Engine, g *giteafixture.Gitea) {
				ctx := context.Background()
				opts, box := giteaOptions(t)
				require.NoError(t, migrations.AdoptGiteaPartly(ctx, x, opts, stopAt))
				v, err := migrations.Current(x, opts)
				require.NoError(t, err)
				assert.Zero(t, v, "the adoption records nothing until it is done")
				require.NoError(t, migrations.Migrate(ctx, x, opts))
				require.NoError(t, migrations.Check(x, opts))
				assertAdopted(t, x, g, box)
			})
		})
	}
}
