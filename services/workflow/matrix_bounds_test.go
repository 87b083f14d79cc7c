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
			_, err := p.parse(includeFlood(n))
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
	wf, err := p.parse(wideMatrix(200))
	require.NoError(t, err, "a wide matrix with a few hundred includes is fine")
	assert.Len(t, wf.Jobs, 256)
	assert.Less(t, p.used, maxParseSteps/2)

	p = newTestParser(context.Background())
	_, err = p.parse(wideMatrix(5000))
	require.ErrorIs(t, err, errs.InvalidArgument)
	assert.Contains(t, err.Error(), fmt.Sprintf("more than %d steps", maxParseSteps))
	assert.LessOrEqual(t, p.used, maxParseSteps+maxWorkflowJobs*4, "the work stopped at the limit")

	var b strings.Builder
	b.WriteString("jobs:\n  x:\n    runs-on: x\n    strategy:\n      matrix:\n        a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\n        exclude:\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "          - {a: %d, b: 99}\n", i)
	}
	p = newTestParser(context.Background())
	_, err = p.parse([]byte(b.String()))
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
	_, err := full.parse(body)
	require.NoError(t, err)
	require.Greater(t, full.used, 20*ctxCheckEvery, "the whole file takes many looks' worth of work")

	for _, looks := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(looks), func(t *testing.T) {
			p := newTestParser(&endsAfterLooks{Context: context.Background(), looks: looks})
			wf, err := p.parse(body)
			require.ErrorIs(t, err, context.Canceled)
			assert.Nil(t, wf)
			assert.LessOrEqual(t, p.used, (looks+1)*ctxCheckEvery+maxWorkflowJobs*4, "stopped at the first look after the end")
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Parse(ctx, body)
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
	_, err := p.parse([]byte(b.String()))
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
		if _, err := Parse(context.Background(), body); !errors.Is(err, errs.InvalidArgument) {
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
		if _, err := Parse(context.Background(), body); err != nil {
			b.Fatal(err)
		}
	}
}
