package migrations

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"xorm.io/xorm"
)

// Gitea writes the log of a task that has not finished to its dbfs tables
// ("database file system"): dbfs_meta holds the file, named
// "<slashes>:actions_log/<log_filename>", dbfs_data its blocks, each at
// blob_offset. Each line is "<time> <content>" with the time in UTC as
// 2006-01-02T15:04:05.0000000Z07:00. Once the log is complete Gitea moves it
// to its storage (maybe zstd-compressed, as the name's .zst says); those
// stay there and are read through [actions] LEGACY_LOG_PATH.

const giteaLogTimeFormat = "2006-01-02T15:04:05.0000000Z07:00"

// giteaDBFSPath is the full_path dbfs_meta gives a task's log.
func giteaDBFSPath(logFilename string) string {
	p := "actions_log/" + strings.TrimPrefix(logFilename, "/")
	return strconv.Itoa(strings.Count(p, "/")) + ":" + p
}

// parseGiteaLogLine splits one line of Gitea's log format.
func parseGiteaLogLine(line string) (time.Time, string, error) {
	ts, content, ok := strings.Cut(line, " ")
	if !ok {
		return time.Time{}, "", fmt.Errorf("log line without a time: %.40q", line)
	}
	t, err := time.Parse(giteaLogTimeFormat, ts)
	if err != nil {
		return time.Time{}, "", err
	}
	return t, content, nil
}

// encodeLogChunk packs lines as action_log_chunk.data holds them (frozen
// copy of models/actions.EncodeLogLines): varint time, uvarint length, bytes.
func encodeLogChunk(times []int64, contents []string) []byte {
	var buf []byte
	for i, c := range contents {
		buf = binary.AppendVarint(buf, times[i])
		buf = binary.AppendUvarint(buf, uint64(len(c)))
		buf = append(buf, c...)
	}
	return buf
}

// logChunkRows is how many lines one imported chunk holds.
const logChunkRows = 1000

type giteaDBFSFile struct {
	ID       int64
	FileSize int64
}

type giteaDBFSBlock struct {
	BlobOffset int64
	BlobData   []byte
}

// readGiteaDBFS returns the content of a dbfs file; false when there is none.
func readGiteaDBFS(sess *xorm.Session, path string) ([]byte, bool, error) {
	var f giteaDBFSFile
	has, err := sess.SQL("SELECT id, file_size FROM dbfs_meta WHERE full_path = ?", path).Get(&f)
	if err != nil || !has {
		return nil, false, err
	}
	var blocks []giteaDBFSBlock
	if err := sess.SQL("SELECT blob_offset, blob_data FROM dbfs_data WHERE meta_id = ? ORDER BY blob_offset", f.ID).Find(&blocks); err != nil {
		return nil, false, err
	}
	data := make([]byte, 0, f.FileSize)
	for _, b := range blocks {
		if b.BlobOffset > int64(len(data)) { // a hole reads as zeros, as in Gitea
			data = append(data, make([]byte, b.BlobOffset-int64(len(data)))...)
		}
		data = append(data[:b.BlobOffset], b.BlobData...)
	}
	if int64(len(data)) > f.FileSize {
		data = data[:f.FileSize]
	}
	return data, true, nil
}

type giteaTaskLog struct {
	ID          int64
	LogFilename string
	LogLength   int64
}

func (t giteaTaskLog) rowID() int64 { return t.ID }

// logs imports the logs Gitea still kept in dbfs (tasks whose log was not
// moved to storage), at most as many lines as Gitea had acknowledged to the
// runner, which then goes on appending from there.
func (im *giteaImport) logs(sess *xorm.Session) error {
	if ok, err := hasTable(im.x, "dbfs_meta"); err != nil || !ok {
		return err
	}
	return each(sess, asideName("action_task"), "id, log_filename, log_length", "log_in_storage = FALSE AND log_filename <> ''",
		func(ts []giteaTaskLog) error {
			for _, t := range ts {
				if err := im.taskLog(sess, t); err != nil {
					return fmt.Errorf("log of task %d: %w", t.ID, err)
				}
			}
			return nil
		})
}

// taskLog imports one task's dbfs log into action_log_chunk and sets the
// task's log length and size to what was imported.
func (im *giteaImport) taskLog(sess *xorm.Session, t giteaTaskLog) error {
	data, ok, err := readGiteaDBFS(sess, giteaDBFSPath(t.LogFilename))
	if err != nil || !ok {
		return err
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if int64(len(lines)) > t.LogLength {
		lines = lines[:t.LogLength] // written but never acknowledged: the runner sends them again
	}
	var size int64
	for first := 0; first < len(lines); first += logChunkRows {
		part := lines[first:min(first+logChunkRows, len(lines))]
		times := make([]int64, len(part))
		contents := make([]string, len(part))
		for i, l := range part {
			at, c, err := parseGiteaLogLine(l)
			if err != nil {
				return fmt.Errorf("line %d: %w", first+i, err)
			}
			times[i], contents[i] = at.UnixNano(), c
			size += int64(len(c))
		}
		if _, err := sess.Table("action_log_chunk").Insert(map[string]any{
			"task_id": t.ID, "first_index": first, "row_count": len(part), "data": encodeLogChunk(times, contents),
		}); err != nil {
			return err
		}
	}
	_, err = sess.Exec("UPDATE action_task SET log_length = ?, log_size = ? WHERE id = ?", len(lines), size, t.ID)
	return err
}
