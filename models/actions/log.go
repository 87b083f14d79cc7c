package actions

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"code.runnerhub.dev/runnerhub/models/db"
)

// LogChunk holds the rows one UpdateLog call appended, so the row count of
// the database grows with calls, not with log lines.
type LogChunk struct {
	ID         int64  `xorm:"pk autoincr"`
	TaskID     int64  `xorm:"UNIQUE(task_first) NOT NULL"`
	FirstIndex int64  `xorm:"UNIQUE(task_first) NOT NULL"`
	RowCount   int64  `xorm:"NOT NULL"`
	Data       []byte `xorm:"LONGBLOB"`
}

func (LogChunk) TableName() string { return "action_log_chunk" }

// LogLine is one row of a task's log.
type LogLine struct {
	UnixNano int64
	Content  string
}

// EncodeLogLines packs lines as (varint time, varint length, bytes) records.
func EncodeLogLines(lines []LogLine) []byte {
	size := 0
	for _, l := range lines {
		size += 2*binary.MaxVarintLen64 + len(l.Content)
	}
	buf := make([]byte, 0, size)
	for _, l := range lines {
		buf = binary.AppendVarint(buf, l.UnixNano)
		buf = binary.AppendUvarint(buf, uint64(len(l.Content)))
		buf = append(buf, l.Content...)
	}
	return buf
}

// DecodeLogLines unpacks what EncodeLogLines packed.
func DecodeLogLines(data []byte) ([]LogLine, error) {
	var lines []LogLine
	for len(data) > 0 {
		t, n := binary.Varint(data)
		if n <= 0 {
			return nil, errors.New("corrupt log chunk: bad time")
		}
		data = data[n:]
		l, n := binary.Uvarint(data)
		if n <= 0 || uint64(len(data)-n) < l {
			return nil, errors.New("corrupt log chunk: bad length")
		}
		data = data[n:]
		lines = append(lines, LogLine{UnixNano: t, Content: string(data[:l])})
		data = data[l:]
	}
	return lines, nil
}

// TaskLog is what appending to a task's log needs to know of the task:
// read on every UpdateLog call, so it reads five columns, not the row.
type TaskLog struct {
	ID        int64
	RunnerID  int64
	LogLength int64
	LogSize   int64
	LogClosed bool
}

// GetTaskLog returns the log state of a task.
func GetTaskLog(ctx context.Context, taskID int64) (*TaskLog, error) {
	t := &TaskLog{}
	has, err := db.GetEngine(ctx).Table("action_task").Cols("id", "runner_id", "log_length", "log_size", "log_closed").
		Where("id = ?", taskID).Get(t)
	if err != nil {
		return nil, db.Wrap(err)
	}
	if !has {
		return nil, fmt.Errorf("task %d: %w", taskID, db.ErrNotExist)
	}
	return t, nil
}

// AppendLogChunk stores lines at index stored, which must be the task's
// current log length; size is their content in bytes. It reports false when
// another call moved the log first. closeLog marks the log complete.
func AppendLogChunk(ctx context.Context, taskID, stored int64, lines []LogLine, size int64, closeLog bool) (bool, error) {
	res, err := db.GetEngine(ctx).Exec(
		"UPDATE action_task SET log_length = ?, log_size = log_size + ?, log_closed = ? WHERE id = ? AND log_length = ? AND log_closed = ?",
		stored+int64(len(lines)), size, closeLog, taskID, stored, false)
	if err != nil {
		return false, db.Wrap(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return false, db.Wrap(err)
	}
	if len(lines) == 0 {
		return true, nil
	}
	_, err = db.GetEngine(ctx).Insert(&LogChunk{
		TaskID: taskID, FirstIndex: stored, RowCount: int64(len(lines)), Data: EncodeLogLines(lines),
	})
	return err == nil, db.Wrap(err)
}

// readLinesBudget bounds the chunk bytes ReadLogLines holds at once.
const readLinesBudget = 4 << 20

// ReadLogLines returns up to limit lines of a task's log from row index
// from, reading no more chunks than those lines are in.
func ReadLogLines(ctx context.Context, taskID, from int64, limit int) ([]LogLine, error) {
	var out []LogLine
	err := ForEachLogChunk(ctx, taskID, from, readLinesBudget, func(c *LogChunk) error {
		return EachLogLineFrom(c, from, func(_, t int64, content []byte) error {
			if len(out) >= limit {
				return ErrStopReading
			}
			out = append(out, LogLine{UnixNano: t, Content: string(content)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("task %d log: %w", taskID, err)
	}
	return out, nil
}
