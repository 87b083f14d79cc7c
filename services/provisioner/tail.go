package provisioner

import (
	"strings"
	"sync"
)

// maxTailLineBytes cuts a long output line: the page shows the last lines,
// not a flood.
const maxTailLineBytes = 512

// tail keeps the last lines written to it: a command's output, for the
// record of a failed start.
type tail struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial strings.Builder
}

func newTail(lines int) *tail { return &tail{max: lines} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range string(b) {
		if c == '\n' {
			t.push()
			continue
		}
		if t.partial.Len() < maxTailLineBytes {
			t.partial.WriteRune(c)
		}
	}
	return len(b), nil
}

func (t *tail) push() {
	t.lines = append(t.lines, t.partial.String())
	t.partial.Reset()
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

// String is the kept lines, the unfinished last one included.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if t.partial.Len() > 0 {
		if len(lines) == t.max {
			lines = lines[1:]
		}
		lines = append(lines[:len(lines):len(lines)], t.partial.String())
	}
	return strings.Join(lines, "\n")
}
