package actions

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"code.runnerhub.dev/runnerhub/models/db"
)

// logChunkRef is a chunk without its rows: enough to plan a read.
type logChunkRef struct {
	ID         int64
	FirstIndex int64
	RowCount   int64
	Size       int64 // bytes of Data
}

// logRefsPerQuery is how many chunks one planning query looks at.
const logRefsPerQuery = 256

// ErrStopReading ends ForEachLogChunk early without an error.
var ErrStopReading = errors.New("stop reading the log")

// ForEachLogChunk calls fn with each chunk of a task's log that holds rows
// at or after row index from, in row order. It reads the chunks' rows in
// groups of at most budget bytes (a larger chunk alone), and fn must not
// keep a chunk after it returns, so a log of any length is read in memory
// bounded by the budget. The rows stored when a group is read are what it
// sees: a log still being written is read up to where it was.
//
// fn returning ErrStopReading ends the read with no error.
func ForEachLogChunk(ctx context.Context, taskID, from, budget int64, fn func(*LogChunk) error) error {
	e := db.GetEngine(ctx)
	// Start at the chunk that holds row from: the last one starting at or
	// before it. Both reads are seeks on UNIQUE(task_id, first_index).
	var start int64
	if _, err := e.Table("action_log_chunk").Cols("first_index").
		Where("task_id = ? AND first_index <= ?", taskID, from).Desc("first_index").Limit(1).Get(&start); err != nil {
		return db.Wrap(err)
	}
	for {
		var refs []logChunkRef
		err := e.SQL("SELECT id, first_index, row_count, LENGTH(data) AS size FROM action_log_chunk"+
			" WHERE task_id = ? AND first_index >= ? ORDER BY first_index LIMIT ?", taskID, start, logRefsPerQuery).Find(&refs)
		if err != nil {
			return db.Wrap(err)
		}
		for _, group := range groupBySize(refs, budget) {
			if err := readLogChunks(ctx, group, fn); err != nil {
				if errors.Is(err, ErrStopReading) {
					return nil
				}
				return err
			}
		}
		if len(refs) < logRefsPerQuery {
			return nil
		}
		last := refs[len(refs)-1]
		start = last.FirstIndex + last.RowCount
	}
}

// groupBySize cuts refs, in order, into runs of at most budget bytes; a
// chunk larger than the budget is a group of its own.
func groupBySize(refs []logChunkRef, budget int64) [][]logChunkRef {
	var groups [][]logChunkRef
	for i := 0; i < len(refs); {
		j, size := i, int64(0)
		for j < len(refs) && (j == i || size+refs[j].Size <= budget) {
			size += refs[j].Size
			j++
		}
		groups = append(groups, refs[i:j])
		i = j
	}
	return groups
}

// readLogChunks loads the rows of the chunks refs names and hands them to
// fn in row order.
func readLogChunks(ctx context.Context, refs []logChunkRef, fn func(*LogChunk) error) error {
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	chunks := make([]*LogChunk, 0, len(refs))
	if err := db.GetEngine(ctx).In("id", ids).Find(&chunks); err != nil {
		return db.Wrap(err)
	}
	slices.SortFunc(chunks, func(a, b *LogChunk) int { return cmp.Compare(a.FirstIndex, b.FirstIndex) })
	for i, c := range chunks {
		chunks[i] = nil // let the rows go as soon as fn is done with them
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// EachLogLine calls fn for every line packed in data (see EncodeLogLines)
// without copying it: content is only valid during the call.
func EachLogLine(data []byte, fn func(unixNano int64, content []byte) error) error {
	for len(data) > 0 {
		t, n := binary.Varint(data)
		if n <= 0 {
			return errors.New("corrupt log chunk: bad time")
		}
		data = data[n:]
		l, n := binary.Uvarint(data)
		if n <= 0 || uint64(len(data)-n) < l {
			return errors.New("corrupt log chunk: bad length")
		}
		data = data[n:]
		if err := fn(t, data[:l]); err != nil {
			return err
		}
		data = data[l:]
	}
	return nil
}

// EachLogLineFrom is EachLogLine for the rows of chunk c at or after row
// index from; fn also gets each row's index.
func EachLogLineFrom(c *LogChunk, from int64, fn func(index, unixNano int64, content []byte) error) error {
	index := c.FirstIndex
	err := EachLogLine(c.Data, func(t int64, content []byte) error {
		i := index
		index++
		if i < from {
			return nil
		}
		return fn(i, t, content)
	})
	if err != nil {
		return fmt.Errorf("log chunk at row %d: %w", c.FirstIndex, err)
	}
	return nil
}
