// Package workflow turns a workflow file into the jobs of a run: one job per
// workflow job and matrix combination, each carrying the single-job workflow
// act_runner executes.
package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"code.runnerhub.dev/runnerhub/modules/errs"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
)

// Workflow is a parsed workflow file.
type Workflow struct {
	Name string // the `name:`; empty when the file has none
	Jobs []actions_service.JobInput
}

// headerKeys are the top-level keys every single-job payload keeps: they
// shape how act_runner runs the job.
var headerKeys = map[string]bool{
	"name": true, "run-name": true, "on": true, "env": true, "defaults": true, "permissions": true,
}

var jobIDPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// maxNameLen is the longest job id or name the database keeps.
const maxNameLen = 255

// maxWorkflowJobs bounds the jobs one file may produce, matrix entries included.
const maxWorkflowJobs = 256

// Parse reads a workflow file. Everything wrong with it is an
// errs.InvalidArgument whose message says what and where. The work it does
// is bounded (see maxParseSteps), and it stops when ctx ends. maxPayloadBytes
// caps the single-job workflows of all the run's jobs together: each repeats
// the file's header, so a large env times a large matrix is refused before
// the payloads are written.
func Parse(ctx context.Context, content []byte, maxPayloadBytes int64) (*Workflow, error) {
	p := &parser{budget: newBudget(ctx, maxParseSteps), texts: map[*yaml.Node]string{}}
	return p.parse(content, maxPayloadBytes)
}

// parser holds what one Parse call needs beyond the file itself.
type parser struct {
	*budget
	texts   map[*yaml.Node]string // see text
	renders int                   // values rendered as YAML, counted for tests
}

func (p *parser) parse(content []byte, maxPayloadBytes int64) (*Workflow, error) {
	if err := p.alive(); err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		return nil, invalid("workflow is not valid YAML: %v", err)
	}
	if err := p.alive(); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, invalid("workflow is empty")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, invalid("workflow must be a mapping of keys such as name, on and jobs (line %d)", root.Line)
	}
	if err := checkUniqueKeys(root, "the workflow"); err != nil {
		return nil, err
	}
	wf := &Workflow{}
	var header []*yaml.Node
	var jobsNode *yaml.Node
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Value == "jobs":
			jobsNode = v
		case headerKeys[k.Value]:
			header = append(header, k, v)
			if k.Value == "name" {
				if v.Kind != yaml.ScalarNode {
					return nil, invalid("name must be text (line %d)", v.Line)
				}
				wf.Name = v.Value
			}
		}
	}
	if jobsNode == nil || jobsNode.Kind != yaml.MappingNode || len(jobsNode.Content) == 0 {
		return nil, invalid("workflow has no jobs: `jobs` must map job ids to jobs")
	}
	if err := checkUniqueKeys(jobsNode, "jobs"); err != nil {
		return nil, err
	}
	jobs, err := parseJobs(jobsNode)
	if err != nil {
		return nil, err
	}
	if err := checkNeeds(jobs); err != nil {
		return nil, err
	}
	// Every combination first, so that the job cap and the payload cap
	// are both checked before any payload is written.
	var entries []entry
	for _, j := range jobs {
		combos, keys, err := p.expandMatrix(j.id, j.matrix)
		if err != nil {
			return nil, err
		}
		for _, c := range combos {
			if len(entries) == maxWorkflowJobs {
				return nil, invalid("workflow makes more than %d jobs", maxWorkflowJobs)
			}
			entries = append(entries, entry{job: j, combo: c, keys: keys})
		}
	}
	sizes, err := p.payloadSizes(header, entries)
	if err != nil {
		return nil, err
	}
	if sizes > maxPayloadBytes {
		return nil, payloadTooLarge(sizes, maxPayloadBytes)
	}
	var stored int64
	for _, e := range entries {
		if err := p.alive(); err != nil {
			return nil, err
		}
		in, err := p.jobInput(header, e)
		if err != nil {
			return nil, err
		}
		// The estimate leaves out names and labels resolved from the
		// matrix; the bytes actually written are held to the cap too.
		if stored += int64(len(in.WorkflowPayload)); stored > maxPayloadBytes {
			return nil, payloadTooLarge(stored, maxPayloadBytes)
		}
		wf.Jobs = append(wf.Jobs, in)
	}
	return wf, nil
}

// entry is one job of the run to be: a workflow job and one of its matrix
// combinations.
type entry struct {
	job   *job
	combo combo
	keys  []string // the matrix's keys, in first-seen order
}

// job is one entry of `jobs:` before matrix expansion.
type job struct {
	id     string
	node   *yaml.Node // the job's mapping, as written
	name   string
	runsOn []string
	needs  []string
	cond   string
	matrix *yaml.Node // strategy.matrix, or nil
}

func parseJobs(jobsNode *yaml.Node) ([]*job, error) {
	var jobs []*job
	for i := 0; i < len(jobsNode.Content); i += 2 {
		k, v := jobsNode.Content[i], jobsNode.Content[i+1]
		if len(k.Value) > maxNameLen || !jobIDPattern.MatchString(k.Value) {
			return nil, invalid("job id %q (line %d) must start with a letter or _ and contain only letters, digits, - and _", k.Value, k.Line)
		}
		if v.Kind != yaml.MappingNode {
			return nil, invalid("job %q (line %d) must be a mapping", k.Value, v.Line)
		}
		if err := checkUniqueKeys(v, fmt.Sprintf("job %q", k.Value)); err != nil {
			return nil, err
		}
		j, err := parseJob(k.Value, v)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

func parseJob(id string, n *yaml.Node) (*job, error) {
	j := &job{id: id, node: n}
	var err error
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "name":
			if v.Kind != yaml.ScalarNode {
				return nil, invalid("job %q: name must be text (line %d)", id, v.Line)
			}
			j.name = truncate(v.Value, maxNameLen)
		case "runs-on":
			if j.runsOn, err = parseRunsOn(v); err != nil {
				return nil, fmt.Errorf("job %q: %w", id, err)
			}
		case "needs":
			if j.needs, err = stringOrList(v, "needs"); err != nil {
				return nil, fmt.Errorf("job %q: %w", id, err)
			}
		case "if":
			if v.Kind != yaml.ScalarNode {
				return nil, invalid("job %q: if must be an expression (line %d)", id, v.Line)
			}
			j.cond = v.Value
		case "uses":
			return nil, invalid("job %q calls a reusable workflow (uses:, line %d), which Runnerhub does not run", id, k.Line)
		case "strategy":
			if v.Kind != yaml.MappingNode {
				return nil, invalid("job %q: strategy must be a mapping (line %d)", id, v.Line)
			}
			j.matrix = mappingValue(v, "matrix")
		}
	}
	if len(j.runsOn) == 0 {
		return nil, invalid("job %q has no runs-on labels", id)
	}
	return j, nil
}

// parseRunsOn accepts a label, a list of labels, or a mapping with `labels`.
func parseRunsOn(v *yaml.Node) ([]string, error) {
	if v.Kind == yaml.MappingNode {
		labels := mappingValue(v, "labels")
		if labels == nil {
			return nil, invalid("runs-on names a runner group only (line %d); Runnerhub matches labels: give runs-on.labels", v.Line)
		}
		v = labels
	}
	return stringOrList(v, "runs-on")
}

// stringOrList reads a scalar or a sequence of scalars.
func stringOrList(v *yaml.Node, what string) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if strings.TrimSpace(v.Value) == "" {
			return nil, invalid("%s is empty (line %d)", what, v.Line)
		}
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode || strings.TrimSpace(e.Value) == "" {
				return nil, invalid("%s must list names (line %d)", what, e.Line)
			}
			out = append(out, e.Value)
		}
		return out, nil
	}
	return nil, invalid("%s must be a name or a list of names (line %d)", what, v.Line)
}

// checkNeeds refuses needs that name no job, and needs that form a cycle.
func checkNeeds(jobs []*job) error {
	byID := make(map[string]*job, len(jobs))
	for _, j := range jobs {
		byID[j.id] = j
	}
	for _, j := range jobs {
		for _, n := range j.needs {
			if n == j.id {
				return invalid("job %q needs itself", j.id)
			}
			if byID[n] == nil {
				return invalid("job %q needs %q, which is not a job of this workflow", j.id, n)
			}
		}
	}
	// Depth-first walk; a job met again while on the path closes a cycle.
	const (
		unvisited = iota
		onPath
		done
	)
	state := make(map[string]int, len(jobs))
	var path []string
	var visit func(id string) error
	visit = func(id string) error {
		switch state[id] {
		case onPath:
			start := 0
			for i, p := range path {
				if p == id {
					start = i
				}
			}
			cycle := append(append([]string{}, path[start:]...), id)
			return invalid("jobs need each other in a cycle: %s", strings.Join(quoteAll(cycle), " → "))
		case done:
			return nil
		}
		state[id] = onPath
		path = append(path, id)
		for _, n := range byID[id].needs {
			if err := visit(n); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[id] = done
		return nil
	}
	for _, j := range jobs {
		if err := visit(j.id); err != nil {
			return err
		}
	}
	return nil
}

// jobInput makes the run job of one entry: its name, labels and
// single-job workflow.
func (p *parser) jobInput(header []*yaml.Node, e entry) (actions_service.JobInput, error) {
	j := e.job
	name, err := p.entryName(j, e.combo, e.keys)
	if err != nil {
		return actions_service.JobInput{}, err
	}
	labels := make([]string, len(j.runsOn))
	for i, l := range j.runsOn {
		if labels[i], err = p.interpolateMatrix(l, e.combo); err != nil {
			return actions_service.JobInput{}, fmt.Errorf("job %q runs-on: %w", j.id, err)
		}
	}
	payload, err := j.payload(header, name, labels, e.combo, e.keys)
	if err != nil {
		return actions_service.JobInput{}, err
	}
	return actions_service.JobInput{
		JobID: j.id, Name: name, RunsOn: labels, Needs: j.needs, If: j.cond, WorkflowPayload: payload,
	}, nil
}

// entryName follows GitHub: a name that uses the matrix is interpolated;
// otherwise a matrix entry is told apart by its values in parentheses.
func (p *parser) entryName(j *job, c combo, keys []string) (string, error) {
	name := j.name
	if name == "" {
		name = j.id
	}
	if len(keys) == 0 {
		return name, nil
	}
	if err := p.spend(len(keys)); err != nil {
		return "", err
	}
	if strings.Contains(name, "matrix.") {
		n, err := p.interpolateMatrix(name, c)
		if err != nil {
			return "", fmt.Errorf("job %q name: %w", j.id, err)
		}
		return truncate(n, maxNameLen), nil
	}
	vals := make([]string, 0, len(keys))
	for _, k := range keys {
		if v, ok := c[k]; ok {
			vals = append(vals, p.text(v))
		}
	}
	return truncate(name+" ("+strings.Join(vals, ", ")+")", maxNameLen), nil
}

// payload is the single-job workflow for one entry: the file's header and
// this job, with its matrix narrowed to the entry's values and its name and
// labels resolved.
func (j *job) payload(header []*yaml.Node, name string, labels []string, c combo, keys []string) ([]byte, error) {
	jobNode := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(j.node.Content); i += 2 {
		k, v := j.node.Content[i], j.node.Content[i+1]
		switch k.Value {
		case "name", "runs-on":
			continue // written resolved below
		case "strategy":
			if len(keys) > 0 {
				v = narrowStrategy(v, c, keys)
			}
		}
		jobNode.Content = append(jobNode.Content, k, v)
	}
	jobNode.Content = append([]*yaml.Node{str("name"), str(name), str("runs-on"), strList(labels)}, jobNode.Content...)

	root := &yaml.Node{Kind: yaml.MappingNode}
	root.Content = append(root.Content, header...)
	root.Content = append(root.Content, str("jobs"), &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str(j.id), jobNode}})
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("job %q: write its workflow: %w", j.id, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("job %q: write its workflow: %w", j.id, err)
	}
	return buf.Bytes(), nil
}

// narrowStrategy keeps the strategy's other settings and replaces the
// matrix with this entry's values, one value per key, so act_runner sees
// exactly one combination.
func narrowStrategy(strategy *yaml.Node, c combo, keys []string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range keys {
		if v, ok := c[k]; ok {
			m.Content = append(m.Content, str(k), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{v}})
		}
	}
	out := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(strategy.Content); i += 2 {
		if strategy.Content[i].Value != "matrix" {
			out.Content = append(out.Content, strategy.Content[i], strategy.Content[i+1])
		}
	}
	out.Content = append(out.Content, str("matrix"), m)
	return out
}

func checkUniqueKeys(m *yaml.Node, where string) error {
	seen := make(map[string]bool, len(m.Content)/2)
	for i := 0; i < len(m.Content); i += 2 {
		k := m.Content[i]
		if seen[k.Value] {
			return invalid("%s: key %q appears twice (line %d)", where, k.Value, k.Line)
		}
		seen[k.Value] = true
	}
	return nil
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func strList(ss []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range ss {
		n.Content = append(n.Content, str(s))
	}
	return n
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errs.InvalidArgument, fmt.Sprintf(format, args...))
}

// errUnsupportedExpr marks an expression only the runner could evaluate.
var errUnsupportedExpr = errors.New("only ${{ matrix.<key> }} expressions are resolved here")
