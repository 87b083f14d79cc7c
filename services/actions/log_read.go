package actions

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
)

// LogTimeLayout is how Gitea writes a log row's time in a job's log file
// and its download: UTC, with seven fractional digits.
const LogTimeLayout = "2006-01-02T15:04:05.0000000Z07:00"

// logReadBudget bounds the stored rows one log read holds at once (a
// single larger chunk aside), whatever the log's length.
const logReadBudget = 4 << 20

// WriteLogText writes a task's log as Gitea's job log download has it: one
// line per row, its time (LogTimeLayout), a space and its content, with a
// newline inside the content written as the two characters \n. It reads
// the log a few chunks at a time and calls flush after each chunk's lines
// are written, so a log of any length streams in bounded memory and the
// reader sees it arrive.
func (s *Service) WriteLogText(ctx context.Context, taskID int64, w io.Writer, flush func() error) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	var stamp []byte
	return actions_model.ForEachLogChunk(ctx, taskID, 0, logReadBudget, func(c *actions_model.LogChunk) error {
		err := actions_model.EachLogLine(c.Data, func(ns int64, content []byte) error {
			stamp = time.Unix(0, ns).UTC().AppendFormat(stamp[:0], LogTimeLayout)
			stamp = append(stamp, ' ')
			_, _ = bw.Write(stamp) // a bufio.Writer keeps its first error for Flush
			for {
				line, rest, found := bytes.Cut(content, []byte{'\n'})
				_, _ = bw.Write(line)
				if !found {
					break
				}
				_, _ = bw.WriteString(`\n`)
				content = rest
			}
			return bw.WriteByte('\n')
		})
		if err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return flush()
	})
}

// LogRow is one row of a task's log with its index.
type LogRow struct {
	Index    int64
	UnixNano int64
	Content  string
}

// ReadLogRows returns up to limit rows of a task's log from row index
// from, reading only the chunks that hold them.
func (s *Service) ReadLogRows(ctx context.Context, taskID, from int64, limit int) ([]LogRow, error) {
	var out []LogRow
	err := actions_model.ForEachLogChunk(ctx, taskID, from, logReadBudget, func(c *actions_model.LogChunk) error {
		return actions_model.EachLogLineFrom(c, from, func(i, ns int64, content []byte) error {
			if len(out) >= limit {
				return actions_model.ErrStopReading
			}
			out = append(out, LogRow{Index: i, UnixNano: ns, Content: string(content)})
			return nil
		})
	})
	return out, err
}
