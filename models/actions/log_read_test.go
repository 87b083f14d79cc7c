package actions

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

func TestGroupBySize_KeepsEachGroupWithinTheBudget(t *testing.T) {
	refs := []logChunkRef{{ID: 1, Size: 40}, {ID: 2, Size: 50}, {ID: 3, Size: 20}, {ID: 4, Size: 500}, {ID: 5, Size: 10}, {ID: 6, Size: 100}}
	var got [][]int64
	for _, g := range groupBySize(refs, 100) {
		var ids []int64
		var size int64
		for _, r := range g {
			ids = append(ids, r.ID)
			size += r.Size
		}
		assert.True(t, size <= 100 || len(g) == 1, "group %v is over the budget with more than one chunk", ids)
		got = append(got, ids)
	}
	assert.Equal(t, [][]int64{{1, 2}, {3}, {4}, {5}, {6}}, got, "in order, a chunk over the budget alone")
	assert.Empty(t, groupBySize(nil, 100))
}

// storeChunks writes a log of rows rows for task, rowsPerChunk at a time,
// with row i holding "row <i>".
func storeChunks(t *testing.T, ctx context.Context, taskID int64, rows, rowsPerChunk int) {
	t.Helper()
	for first := 0; first < rows; first += rowsPerChunk {
		var lines []LogLine
		for i := first; i < min(first+rowsPerChunk, rows); i++ {
			lines = append(lines, LogLine{UnixNano: int64(i), Content: fmt.Sprintf("row %d", i)})
		}
		_, err := db.GetEngine(ctx).Insert(&LogChunk{TaskID: taskID, FirstIndex: int64(first), RowCount: int64(len(lines)), Data: EncodeLogLines(lines)})
		require.NoError(t, err)
	}
}

func TestForEachLogChunk_ReadsEveryRowInOrderFromAnyIndex(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		const rows, perChunk = 3*logRefsPerQuery*3 + 5, 3 // more chunks than one planning query sees
		storeChunks(t, ctx, 7, rows, perChunk)
		storeChunks(t, ctx, 8, 10, 10) // another task's log is not read
		for _, from := range []int64{0, 1, 4, rows - 1, rows, rows + 100} {
			var got []string
			var chunks int
			err := ForEachLogChunk(ctx, 7, from, 64, func(c *LogChunk) error {
				chunks++
				return EachLogLineFrom(c, from, func(i, ns int64, content []byte) error {
					assert.Equal(t, i, ns, "the row's own time")
					got = append(got, string(content))
					return nil
				})
			})
			require.NoError(t, err)
			want := []string{}
			for i := from; i < rows; i++ {
				want = append(want, fmt.Sprintf("row %d", i))
			}
			assert.Equal(t, want, append([]string{}, got...), "from %d", from)
			assert.Equal(t, (rows+perChunk-1)/perChunk-int(min(from, rows)/perChunk), chunks, "from %d: only the chunks holding those rows are read", from)
		}
	})
}

func TestForEachLogChunk_StopsWhenAsked(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		storeChunks(t, ctx, 7, 100, 10)
		var chunks int
		err := ForEachLogChunk(ctx, 7, 0, 1<<20, func(*LogChunk) error {
			chunks++
			if chunks == 3 {
				return ErrStopReading
			}
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, 3, chunks)

		lines, err := ReadLogLines(ctx, 7, 15, 12)
		require.NoError(t, err)
		require.Len(t, lines, 12)
		assert.Equal(t, "row 15", lines[0].Content)
		assert.Equal(t, "row 26", lines[11].Content)
	})
}

func TestForEachLogChunk_ReportsCorruption(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, ctx context.Context) {
		_, err := db.GetEngine(ctx).Insert(&LogChunk{TaskID: 7, FirstIndex: 0, RowCount: 1, Data: []byte{0x80}})
		require.NoError(t, err)
		err = ForEachLogChunk(ctx, 7, 0, 1<<20, func(c *LogChunk) error {
			return EachLogLineFrom(c, 0, func(int64, int64, []byte) error { return nil })
		})
		assert.ErrorContains(t, err, "corrupt log chunk")
	})
}
