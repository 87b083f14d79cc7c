package workflow

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/options"
)

// defaultMaxPayload is the run payload cap a server starts with.
func defaultMaxPayload() int64 { return options.Default().Actions.MaxRunPayloadBytes }

// parseFile parses with the default limits and a context that never ends.
func parseFile(t *testing.T, content []byte) (*Workflow, error) {
	t.Helper()
	return Parse(context.Background(), content, defaultMaxPayload())
}

// singleJob decodes a payload the way act_runner does, as a plain workflow.
type singleJob struct {
	Name        string                    `yaml:"name"`
	On          any                       `yaml:"on"`
	Env         map[string]string         `yaml:"env"`
	Permissions any                       `yaml:"permissions"`
	Jobs        map[string]map[string]any `yaml:"jobs"`
}

func decodePayload(t *testing.T, b []byte) singleJob {
	t.Helper()
	var w singleJob
	require.NoError(t, yaml.Unmarshal(b, &w), "%s", b)
	require.Len(t, w.Jobs, 1, "a payload holds exactly one job:\n%s", b)
	return w
}

func TestParse_JobsNeedsAndSingleJobPayloads(t *testing.T) {
	wf, err := parseFile(t, []byte(`
name: CI
on: [push]
env:
  GREETING: hi
permissions: read-all
concurrency: ci
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo build
  test:
    runs-on: [self-hosted, linux]
    needs: build
    steps:
      - run: echo test
  report:
    name: Report results
    runs-on:
      labels: reporter
    needs: [build, test]
    if: ${{ always() }}
    steps:
      - run: echo report
`))
	require.NoError(t, err)
	assert.Equal(t, "CI", wf.Name)
	require.Len(t, wf.Jobs, 3)

	build, test, report := wf.Jobs[0], wf.Jobs[1], wf.Jobs[2]
	assert.Equal(t, "build", build.JobID)
	assert.Equal(t, "build", build.Name)
	assert.Equal(t, []string{"ubuntu-latest"}, build.RunsOn)
	assert.Empty(t, build.Needs)
	assert.Equal(t, []string{"self-hosted", "linux"}, test.RunsOn)
	assert.Equal(t, []string{"build"}, test.Needs)
	assert.Equal(t, "Report results", report.Name)
	assert.Equal(t, []string{"reporter"}, report.RunsOn)
	assert.Equal(t, []string{"build", "test"}, report.Needs)
	assert.Equal(t, "${{ always() }}", report.If)

	p := decodePayload(t, test.WorkflowPayload)
	assert.Equal(t, "CI", p.Name)
	assert.Equal(t, []any{"push"}, p.On)
	assert.Equal(t, map[string]string{"GREETING": "hi"}, p.Env)
	assert.Equal(t, "read-all", p.Permissions)
	j := p.Jobs["test"]
	require.NotNil(t, j, "the payload's job keeps its id")
	assert.Equal(t, []any{"self-hosted", "linux"}, j["runs-on"])
	assert.Equal(t, "build", j["needs"], "act_runner replaces needs with the task's; keeping them is harmless")
	assert.Equal(t, []any{map[string]any{"run": "echo test"}}, j["steps"])
	assert.NotContains(t, string(test.WorkflowPayload), "concurrency", "only the header keys a job needs are kept")
	assert.NotContains(t, string(test.WorkflowPayload), "echo build", "other jobs stay out")
}

func TestParse_Refusals(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"not yaml", "jobs: [unclosed", "not valid YAML"},
		{"tab indentation", "jobs:\n\tbuild: {}", "not valid YAML"},
		{"empty", "", "empty"},
		{"not a mapping", "- a\n- b", "must be a mapping"},
		{"no jobs", "name: x\non: push", "no jobs"},
		{"job not a mapping", "jobs:\n  build: 3", `job "build" (line 2) must be a mapping`},
		{"no runs-on", "jobs:\n  build:\n    steps: []", `job "build" has no runs-on`},
		{"empty runs-on", "jobs:\n  build:\n    runs-on: ''", "runs-on is empty"},
		{"group only", "jobs:\n  build:\n    runs-on:\n      group: big", "runner group only"},
		{"unknown need", "jobs:\n  a:\n    runs-on: x\n  b:\n    runs-on: x\n    needs: [a, c]", `job "b" needs "c", which is not a job`},
		{"self need", "jobs:\n  a:\n    runs-on: x\n    needs: a", `job "a" needs itself`},
		{"cycle", "jobs:\n  a:\n    runs-on: x\n    needs: c\n  b:\n    runs-on: x\n    needs: a\n  c:\n    runs-on: x\n    needs: b", `cycle: "a" → "c" → "b" → "a"`},
		{"bad job id", "jobs:\n  1st:\n    runs-on: x", `job id "1st"`},
		{"duplicate job", "jobs:\n  a:\n    runs-on: x\n  a:\n    runs-on: y", `key "a" appears twice`},
		{"reusable workflow", "jobs:\n  a:\n    uses: o/r/.github/workflows/w.yml@main", "reusable workflow"},
		{"runs-on expression", "jobs:\n  a:\n    runs-on: ${{ github.event.x }}", "only ${{ matrix.<key> }}"},
		{"matrix expression", "jobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix: ${{ fromJSON(needs.x.outputs.m) }}", "expands literal matrices only"},
		{"matrix key not a list", "jobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        os: linux", `matrix key "os" must list its values`},
		{"unknown matrix key", "jobs:\n  a:\n    runs-on: ${{ matrix.arch }}\n    strategy:\n      matrix:\n        os: [linux]", `the matrix has no key "arch"`},
		{"all excluded", "jobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        os: [linux]\n        exclude:\n          - os: linux", "no combination left"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFile(t, []byte(tc.yaml))
			require.Error(t, err)
			assert.True(t, errors.Is(err, errs.InvalidArgument), "kind of %v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParse_MatrixExpansion(t *testing.T) {
	wf, err := parseFile(t, []byte(`
on: push
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      fail-fast: false
      matrix:
        os: [linux, windows]
        go: ["1.25", "1.26"]
        exclude:
          - os: windows
            go: "1.25"
        include:
          - os: linux
            race: true
          - os: macos
            go: "1.26"
    steps:
      - run: go test ./...
  deploy:
    name: Deploy to ${{ matrix.env }}
    runs-on: deployer
    needs: test
    strategy:
      matrix:
        env: [staging, production]
`))
	require.NoError(t, err)
	var names []string
	var labels [][]string
	for _, j := range wf.Jobs {
		names = append(names, j.Name)
		labels = append(labels, j.RunsOn)
	}
	assert.Equal(t, []string{
		"test (linux, 1.25, true)", "test (linux, 1.26, true)", "test (windows, 1.26)", "test (macos, 1.26)",
		"Deploy to staging", "Deploy to production",
	}, names)
	assert.Equal(t, [][]string{{"linux"}, {"linux"}, {"windows"}, {"macos"}, {"deployer"}, {"deployer"}}, labels)
	for _, j := range wf.Jobs[:4] {
		assert.Equal(t, "test", j.JobID, "matrix entries share the job id their needs refer to")
	}
	assert.Equal(t, []string{"test"}, wf.Jobs[4].Needs)

	p := decodePayload(t, wf.Jobs[0].WorkflowPayload)
	strategy := p.Jobs["test"]["strategy"].(map[string]any)
	assert.Equal(t, false, strategy["fail-fast"], "other strategy settings stay")
	assert.Equal(t, map[string]any{"os": []any{"linux"}, "go": []any{"1.25"}, "race": []any{true}}, strategy["matrix"],
		"the payload's matrix is narrowed to the entry")
	assert.Equal(t, []any{"linux"}, p.Jobs["test"]["runs-on"])
	assert.Equal(t, "test (linux, 1.25, true)", p.Jobs["test"]["name"])
}

func TestStepNames_AsGitHubShowsThem(t *testing.T) {
	wf, err := parseFile(t, []byte("jobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - name: Build\n        run: make\n      - run: |\n          go vet ./...\n          go test ./...\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"Run actions/checkout@v4", "Build", "Run go vet ./..."}, StepNames(wf.Jobs[0].WorkflowPayload))
	assert.Nil(t, StepNames([]byte("not: [yaml")))
}
