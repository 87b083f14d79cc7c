package actions_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
	"code.runnerhub.dev/runnerhub/tests/giteafixture"
)

// adoptedGitea is a Gitea database taken over by Runnerhub's migrations.
func adoptedGitea(t *testing.T, b dbtest.Backend) (context.Context, *giteafixture.Gitea) {
	x := b.NewEngine(t)
	g := giteafixture.Create(t, x)
	ctx := db.WithEngine(context.Background(), x)
	require.NoError(t, migrations.Migrate(ctx, x, migrations.Options{Seal: mustBox(t).Seal}))
	return ctx, g
}

func assertLines(t *testing.T, want []giteafixture.LogLine, got []actions_model.LogLine) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Content, got[i].Content, "line %d", i)
		assert.Equal(t, want[i].Time.UnixNano(), got[i].UnixNano, "line %d", i)
	}
}

func TestReadLog_GiteasFinishedLogsFromLegacyLogPath(t *testing.T) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx, g := adoptedGitea(t, b)
			o := options.Default()
			o.Actions.LegacyLogPath = g.LogDir
			svc := actions_service.New(o, mustBox(t))

			got, err := svc.ReadLog(ctx, g.FinishedTaskZst, 0, 1000)
			require.NoError(t, err)
			assertLines(t, g.FinishedLogZst, got) // zstd, seekable: several frames and a skippable one
			got, err = svc.ReadLog(ctx, g.FinishedTask, 0, 1000)
			require.NoError(t, err)
			assertLines(t, g.FinishedLog, got) // plain
			got, err = svc.ReadLog(ctx, g.FinishedTaskZst, 10, 5)
			require.NoError(t, err)
			assertLines(t, g.FinishedLogZst[10:15], got)

			got, err = svc.ReadLog(ctx, g.RunningTaskID, 0, 1000)
			require.NoError(t, err)
			assertLines(t, g.RunningLog, got) // imported from dbfs

			_, err = actions_service.New(options.Default(), mustBox(t)).ReadLog(ctx, g.FinishedTaskZst, 0, 10)
			assert.ErrorIs(t, err, errs.FailedPrecondition, "without LEGACY_LOG_PATH the reason is told")

			_, err = db.GetEngine(ctx).Exec("UPDATE action_task SET legacy_log_filename = ? WHERE id = ?", "../../etc/passwd", g.FinishedTask)
			require.NoError(t, err)
			_, err = svc.ReadLog(ctx, g.FinishedTask, 0, 10)
			assert.Error(t, err, "a name leaving the folder is refused")
		})
	}
}
