package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// includeFlood is the body of the attack in issue 10: a one-value matrix
// and n include entries, each a list value that fits no combination, in
// about 22 bytes an entry (1,500 entries: 32 KB). Before the fix each entry
// was compared, by rendering both lists as YAML, with every combination
// the earlier ones had added.
func includeFlood(n int) []byte {
	var b strings.Builder
	b.WriteString("on: push\njobs:\n  flood:\n    runs-on: x\n    strategy:\n      matrix:\n        os: [base]\n        include:\n")
	for i := range n {
		fmt.Fprintf(&b, "          - os: [v%d]\n", i)
	}
	return []byte(b.String())
}

// wideMatrix is a full 256-combination matrix and n include entries that
// each fit every combination, the most work include entries can ask for
// without adding jobs.
func wideMatrix(n int) []byte {
	var b strings.Builder
	b.WriteString("jobs:\n  wide:\n    runs-on: x\n    strategy:\n      matrix:\n        a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        include:\n")
	for i := range n {
		fmt.Fprintf(&b, "          - extra: %d\n", i)
	}
	return []byte(b.String())
}

func newTestParser(ctx context.Context) *parser {
	return &parser{budget: newBudget(ctx, maxParseSteps), texts: map[*yaml.Node]string{}}
}

// TestParse_IncludeFloodIsRefusedEarly replays the attack: the 257th
// combination is refused as it is made, after work that grows with the
// entries read, not with their square, and each list value is rendered
// once.
func TestParse_IncludeFloodIsRefusedEarly(t *testing.T) {
	for _, n := range []int{300, 1500, 20000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := newTestParser(context.Background())
			_, err := p.parse(includeFlood(n), defaultMaxPayload())
			require.ErrorIs(t, err, errs.InvalidArgument)
			assert.Contains(t, err.Error(), "more than 256 jobs")
			// Reading all n entries, then one fit test each against the
			// single original combination until the cap.
			assert.LessOrEqual(t, p.used, 3*n+3*maxWorkflowJobs, "steps")
			assert.LessOrEqual(t, p.renders, maxWorkflowJobs+1, "list values rendered as YAML")
		})
	}
}

// TestParse_WorkIsBounded: include and exclude entries that fit every
// combination cost steps in proportion to entries × combinations; past
// maxParseSteps the file is refused with a message that says why, and the
// work stops there.
func TestParse_WorkIsBounded(t *testing.T) {
	p := newTestParser(context.Background())
	wf, err := p.parse(wideMatrix(200), defaultMaxPayload())
	require.NoError(t, err, "a wide matrix with a few hundred includes is fine")
	assert.Len(t, wf.Jobs, 256)
	assert.Less(t, p.used, maxParseSteps/2)

	p = newTestParser(context.Background())
	_, err = p.parse(wideMatrix(5000), defaultMaxPayload())
	require.ErrorIs(t, err, errs.InvalidArgument)
	assert.Contains(t, err.Error(), fmt.Sprintf("more than %d steps", maxParseSteps))
	assert.LessOrEqual(t, p.used, maxParseSteps+maxWorkflowJobs*4, "the work stopped at the limit")

	var b strings.Builder
	b.WriteString("jobs:\n  x:\n    runs-on: x\n    strategy:\n      matrix:\n        a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        exclude:\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "          - {a: %d, b: 99}\n", i)
	}
	p = newTestParser(context.Background())
	_, err = p.parse([]byte(b.String()), defaultMaxPayload())
	require.ErrorIs(t, err, errs.InvalidArgument)
	assert.Contains(t, err.Error(), "steps")
	assert.LessOrEqual(t, p.used, maxParseSteps+20000*3+8)
}

// endsAfterLooks is a context whose client goes away after it has been
// asked a given number of times whether it is still there.
type endsAfterLooks struct {
	context.Context
	looks int
}

func (c *endsAfterLooks) Err() error {
	if c.looks <= 0 {
		return context.Canceled
	}
	c.looks--
	return nil
}

// TestParse_StopsWhenTheClientGoesAway: a context that has ended stops the
// expansion at the next look, a few thousand steps on, not at its end.
func TestParse_StopsWhenTheClientGoesAway(t *testing.T) {
	body := wideMatrix(400)
	full := newTestParser(context.Background())
	_, err := full.parse(body, defaultMaxPayload())
	require.NoError(t, err)
	require.Greater(t, full.used, 20*ctxCheckEvery, "the whole file takes many looks' worth of work")

	for _, looks := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(looks), func(t *testing.T) {
			p := newTestParser(&endsAfterLooks{Context: context.Background(), looks: looks})
			wf, err := p.parse(body, defaultMaxPayload())
			require.ErrorIs(t, err, context.Canceled)
			assert.Nil(t, wf)
			assert.LessOrEqual(t, p.used, (looks+1)*ctxCheckEvery+maxWorkflowJobs*4, "stopped at the first look after the end")
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Parse(ctx, body, defaultMaxPayload())
	require.ErrorIs(t, err, context.Canceled, "a request whose client is gone is not parsed")
}

// TestParse_IncludeFollowsGitHub: an include entry is added to each
// original combination it does not change, and one that fits none becomes
// a combination of its own, never merged with combinations that earlier
// entries added; a matrix of include entries only runs each entry.
func TestParse_IncludeFollowsGitHub(t *testing.T) {
	wf, err := parseFile(t, []byte(`
jobs:
  t:
    runs-on: x
    strategy:
      matrix:
        os: [linux, windows]
        go: ["1.25"]
        include:
          - tag: all
          - os: linux
            tag: lin
          - os: mac
          - os: mac
            go: "1.26"
`))
	require.NoError(t, err)
	var names []string
	for _, j := range wf.Jobs {
		names = append(names, j.Name)
	}
	assert.Equal(t, []string{"t (linux, 1.25, lin)", "t (windows, 1.25, all)", "t (mac)", "t (mac, 1.26)"}, names,
		"the second mac entry is not merged into the first: that one was not an original combination")

	wf, err = parseFile(t, []byte("jobs:\n  t:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n        include:\n          - os: a\n          - os: b\n          - os: c\n"))
	require.NoError(t, err)
	require.Len(t, wf.Jobs, 3)
	assert.Equal(t, []string{"a"}, wf.Jobs[0].RunsOn)
	assert.Equal(t, []string{"c"}, wf.Jobs[2].RunsOn)
}

// TestParse_ProductCapBeforeExpanding: a key whose values would make more
// than 256 combinations is refused before any of them is made.
func TestParse_ProductCapBeforeExpanding(t *testing.T) {
	var b strings.Builder
	b.WriteString("jobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n        a: [1, 2]\n        b: [")
	for i := range 50000 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, i)
	}
	b.WriteString("]\n")
	p := newTestParser(context.Background())
	_, err := p.parse([]byte(b.String()), defaultMaxPayload())
	require.ErrorIs(t, err, errs.InvalidArgument)
	assert.Contains(t, err.Error(), "more than 256 jobs")
	assert.LessOrEqual(t, p.used, 2*2, "only the first key's two combinations were made")
}

// BenchmarkParse_IncludeFlood parses the 32 KB, 1,500-entry body of the
// attack in issue 10 (46 s of CPU per request before the fix).
func BenchmarkParse_IncludeFlood(b *testing.B) {
	body := includeFlood(1500)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(context.Background(), body, defaultMaxPayload()); !errors.Is(err, errs.InvalidArgument) {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse_WideMatrix parses 256 combinations with 200 include
// entries that each fit all of them: the most work a file that is accepted
// takes.
func BenchmarkParse_WideMatrix(b *testing.B) {
	body := wideMatrix(200)
	for b.Loop() {
		if _, err := Parse(context.Background(), body, defaultMaxPayload()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParse_PayloadCapCheckedBeforeWriting: a 1 MB env times 256 jobs is
// refused on the estimate, which names the whole 256 MB, not on the bytes
// written so far, which would stop just past the cap; the message names the
// setting.
func TestParse_PayloadCapCheckedBeforeWriting(t *testing.T) {
	var b strings.Builder
	b.WriteString("env:\n  BIG: ")
	b.WriteString(strings.Repeat("x", 1_000_000))
	b.WriteString("\njobs:\n  m:\n    runs-on: x\n    strategy:\n      matrix:\n        a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n")
	_, err := Parse(context.Background(), []byte(b.String()), 16<<20)
	require.ErrorIs(t, err, errs.InvalidArgument)
	assert.Contains(t, err.Error(), "MAX_RUN_PAYLOAD_BYTES")
	assert.Contains(t, err.Error(), "limit of 16777216 bytes")
	var size int64
	_, scanErr := fmt.Sscanf(err.Error()[strings.Index(err.Error(), "would store "):], "would store %d bytes", &size)
	require.NoError(t, scanErr, err.Error())
	assert.GreaterOrEqual(t, size, int64(256*1_000_000), "refused on the estimate of all 256 payloads, before writing them")
}

// TestParse_PayloadEstimateIsNotMoreThanWritten: the estimate never refuses
// a run whose payloads would fit: it is at most what is written, also when
// the matrix holds large values that each payload narrows to its own. (It
// leaves out the names and labels resolved from the matrix; the bytes
// written are held to the cap as they are written.)
func TestParse_PayloadEstimateIsNotMoreThanWritten(t *testing.T) {
	var wide strings.Builder
	wide.WriteString("name: w\non: push\nenv: {A: b}\njobs:\n  m:\n    name: m ${{ matrix.v }}\n    runs-on: [x, '${{ matrix.v }}']\n    strategy:\n      fail-fast: false\n      matrix:\n        v: [")
	for i := range 200 {
		if i > 0 {
			wide.WriteString(", ")
		}
		fmt.Fprintf(&wide, "value-%d-%s", i, strings.Repeat("y", 500))
	}
	wide.WriteString("]\n        include:\n          - extra: {nested: [1, 2, 3]}\n    steps:\n      - run: echo\n  after:\n    needs: m\n    runs-on: x\n")
	for _, body := range [][]byte{
		[]byte(wide.String()),
		wideMatrix(50),
		[]byte("jobs:\n  a:\n    runs-on: x\n"),
		[]byte("on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n        include:\n          - os: {a: 1}\n          - os: [1, 2]\n"),
	} {
		p := newTestParser(context.Background())
		wf, err := p.parse(body, 1<<40)
		require.NoError(t, err)
		var written int64
		var entries []entry
		for _, j := range wf.Jobs {
			written += int64(len(j.WorkflowPayload))
		}
		// The same entries again, for the estimate alone.
		q := newTestParser(context.Background())
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal(body, &doc))
		root := doc.Content[0]
		var header []*yaml.Node
		for i := 0; i < len(root.Content); i += 2 {
			if headerKeys[root.Content[i].Value] {
				header = append(header, root.Content[i], root.Content[i+1])
			}
		}
		jobs, err := parseJobs(mappingValue(root, "jobs"))
		require.NoError(t, err)
		for _, j := range jobs {
			combos, keys, err := q.expandMatrix(j.id, j.matrix)
			require.NoError(t, err)
			for _, c := range combos {
				entries = append(entries, entry{job: j, combo: c, keys: keys})
			}
		}
		estimate, err := q.payloadSizes(header, entries)
		require.NoError(t, err)
		assert.LessOrEqual(t, estimate, written, "%s", body)
		assert.Positive(t, estimate)
		if estimate < written {
			_, err = Parse(context.Background(), body, (estimate+written)/2)
			require.ErrorIs(t, err, errs.InvalidArgument, "what the estimate let through is held to the cap as it is written")
			assert.Contains(t, err.Error(), "MAX_RUN_PAYLOAD_BYTES")
		}
	}
}
