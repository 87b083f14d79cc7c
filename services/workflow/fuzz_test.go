package workflow

import (
	"context"
	"errors"
	"testing"

	"go.yaml.in/yaml/v3"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// FuzzParse feeds the intake arbitrary workflow files. Whatever arrives,
// Parse must not panic and must either refuse it as InvalidArgument or
// produce jobs a runner can execute: each with an id, labels, needs that
// name jobs of the same file, and a payload that is itself a workflow
// holding just that job.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
		"name: CI\non: [push]\njobs:\n  a:\n    runs-on: [linux, x64]\n  b:\n    needs: a\n    if: ${{ always() }}\n    runs-on:\n      labels: linux\n",
		"jobs:\n  m:\n    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n        os: [linux, windows]\n        v: [1, 2]\n        include:\n          - os: mac\n        exclude:\n          - os: linux\n            v: 2\n",
		"jobs:\n  a:\n    runs-on: x\n    needs: [a]\n",
		"jobs:\n  a: &x\n    runs-on: x\n  b: *x\n",
		"x: &a [*a]\n",
		"jobs:\n  \"<script>\":\n    runs-on: x\n",
		"jobs: {a: {runs-on: x, uses: ./other.yml}}",
		"\xff\xfe",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		wf, err := Parse(context.Background(), content, defaultMaxPayload())
		if err != nil {
			if !errors.Is(err, errs.InvalidArgument) {
				t.Fatalf("refusal is not InvalidArgument: %v", err)
			}
			return
		}
		if len(wf.Jobs) == 0 || len(wf.Jobs) > maxWorkflowJobs {
			t.Fatalf("%d jobs", len(wf.Jobs))
		}
		ids := map[string]bool{}
		for _, j := range wf.Jobs {
			ids[j.JobID] = true
		}
		for _, j := range wf.Jobs {
			if !jobIDPattern.MatchString(j.JobID) || len(j.RunsOn) == 0 {
				t.Fatalf("job %q with labels %q", j.JobID, j.RunsOn)
			}
			for _, n := range j.Needs {
				if !ids[n] || n == j.JobID {
					t.Fatalf("job %q needs %q", j.JobID, n)
				}
			}
			var payload struct {
				Jobs map[string]yaml.Node `yaml:"jobs"`
			}
			if err := yaml.Unmarshal(j.WorkflowPayload, &payload); err != nil {
				t.Fatalf("payload of %q is not YAML: %v\n%s", j.JobID, err, j.WorkflowPayload)
			}
			if _, ok := payload.Jobs[j.JobID]; !ok || len(payload.Jobs) != 1 {
				t.Fatalf("payload of %q does not hold exactly that job:\n%s", j.JobID, j.WorkflowPayload)
			}
		}
	})
}
