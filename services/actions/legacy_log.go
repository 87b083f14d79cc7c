package actions

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/errs"
)

// The logs of tasks Gitea finished stay where Gitea put them, in its
// actions_log storage folder ([actions] LEGACY_LOG_PATH), named as the task
// says: one line per row, "<time> <content>", the time in UTC as below.
// Gitea compresses them with zstd by default (a ".zst" name): seekable zstd,
// whose seek table is a skippable frame a plain decoder passes over.

const giteaLogTimeFormat = "2006-01-02T15:04:05.0000000Z07:00"

// giteaLogLineMax is Gitea's longest line: the time, a space and 64 KiB.
const giteaLogLineMax = len(giteaLogTimeFormat) + 1 + 64<<10 + 1

// readLegacyLog reads up to limit rows from row from of a log Gitea left.
func (s *Service) readLegacyLog(name string, from int64, limit int) ([]actions_model.LogLine, error) {
	if s.opts.LegacyLogPath == "" {
		return nil, fmt.Errorf("%w: this log is in Gitea's storage; set [actions] LEGACY_LOG_PATH to read it", errs.FailedPrecondition)
	}
	rel := filepath.FromSlash(name)
	if !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("legacy log name %q leaves LEGACY_LOG_PATH", name)
	}
	f, err := os.Open(filepath.Join(s.opts.LegacyLogPath, rel))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: the log file Gitea left (%s) is not in LEGACY_LOG_PATH", errs.NotFound, name)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".zst") {
		dec, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(32<<20))
		if err != nil {
			return nil, err
		}
		defer dec.Close()
		r = dec
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), giteaLogLineMax)
	var out []actions_model.LogLine
	for i := int64(0); len(out) < limit && sc.Scan(); i++ {
		if i < from {
			continue
		}
		ts, content, ok := strings.Cut(sc.Text(), " ")
		at, err := time.Parse(giteaLogTimeFormat, ts)
		if !ok || err != nil {
			return nil, fmt.Errorf("legacy log %s, line %d: not Gitea's log format", name, i)
		}
		out = append(out, actions_model.LogLine{UnixNano: at.UnixNano(), Content: content})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read legacy log %s: %w", name, err)
	}
	return out, nil
}
