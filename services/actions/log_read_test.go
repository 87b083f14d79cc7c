package actions_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// putLogChunk stores rows as one chunk of task's log at first.
func putLogChunk(t testing.TB, ctx context.Context, taskID, first int64, lines ...actions_model.LogLine) {
	t.Helper()
	_, err := db.GetEngine(ctx).Insert(&actions_model.LogChunk{
		TaskID: taskID, FirstIndex: first, RowCount: int64(len(lines)), Data: actions_model.EncodeLogLines(lines),
	})
	require.NoError(t, err)
}

func newLogService(t testing.TB) *actions_service.Service {
	box, err := secret.NewBox("log-test-key")
	require.NoError(t, err)
	return actions_service.New(options.Default(), box)
}

func TestWriteLogText_WritesGiteaLinesAndFlushesEachChunk(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newLogService(t)
		const t0 = 1700000000123456789 // 2023-11-14T22:13:20.123456789Z
		putLogChunk(t, ctx, 5, 0,
			actions_model.LogLine{UnixNano: t0, Content: "\x1b[32mok\x1b[0m"},
			actions_model.LogLine{UnixNano: t0 + 1000, Content: "two\nlines"})
		putLogChunk(t, ctx, 5, 2, actions_model.LogLine{UnixNano: 0, Content: ""})
		putLogChunk(t, ctx, 6, 0, actions_model.LogLine{UnixNano: t0, Content: "another task"})

		var out bytes.Buffer
		var flushedAt []int
		require.NoError(t, svc.WriteLogText(ctx, 5, &out, func() error {
			flushedAt = append(flushedAt, out.Len())
			return nil
		}))
		want := "2023-11-14T22:13:20.1234567Z \x1b[32mok\x1b[0m\n" +
			"2023-11-14T22:13:20.1234577Z two\\nlines\n" +
			"1970-01-01T00:00:00.0000000Z \n"
		assert.Equal(t, want, out.String())
		assert.Equal(t, []int{len(want) - len("1970-01-01T00:00:00.0000000Z \n"), len(want)}, flushedAt,
			"each chunk's lines are written out and flushed before the next chunk is read")

		out.Reset()
		require.NoError(t, svc.WriteLogText(ctx, 99, &out, func() error { return nil }))
		assert.Empty(t, out.String(), "a task with no log writes nothing")
	})
}

func TestWriteLogText_StopsWhenTheReaderIsGone(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newLogService(t)
		for i := range 5 {
			putLogChunk(t, ctx, 5, int64(i), actions_model.LogLine{Content: "row"})
		}
		gone := errors.New("client went away")
		flushes := 0
		err := svc.WriteLogText(ctx, 5, &bytes.Buffer{}, func() error {
			flushes++
			return gone
		})
		assert.ErrorIs(t, err, gone)
		assert.Equal(t, 1, flushes, "no chunk is read after the first failed flush")
	})
}

func TestReadLogRows_FromAnOffset(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		svc := newLogService(t)
		for c := range 10 {
			var lines []actions_model.LogLine
			for i := range 7 {
				lines = append(lines, actions_model.LogLine{UnixNano: int64(c*7 + i), Content: fmt.Sprint("row ", c*7+i)})
			}
			putLogChunk(t, ctx, 5, int64(c*7), lines...)
		}
		rows, err := svc.ReadLogRows(ctx, 5, 30, 20)
		require.NoError(t, err)
		require.Len(t, rows, 20)
		for i, r := range rows {
			assert.Equal(t, int64(30+i), r.Index)
			assert.Equal(t, fmt.Sprint("row ", 30+i), r.Content)
		}
		rows, err = svc.ReadLogRows(ctx, 5, 68, 20)
		require.NoError(t, err)
		assert.Len(t, rows, 2, "the end of the log")
		rows, err = svc.ReadLogRows(ctx, 5, 70, 20)
		require.NoError(t, err)
		assert.Empty(t, rows, "nothing past the end")
		assert.False(t, strings.Contains(fmt.Sprint(rows), "row 69"))
	})
}
