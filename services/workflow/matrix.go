package workflow

import (
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// combo is one matrix combination: key → value.
type combo map[string]*yaml.Node

// expandMatrix lists the combinations of strategy.matrix the way GitHub
// does: the product of the keys' lists, minus `exclude` entries, with each
// `include` entry added to every combination whose original values it does
// not change, or appended as a combination of its own when it fits none. It
// returns the keys in first-seen order. A job without a matrix has one empty
// combination.
func expandMatrix(jobID string, m *yaml.Node) ([]combo, []string, error) {
	if m == nil {
		return []combo{{}}, nil, nil
	}
	if m.Kind == yaml.ScalarNode {
		return nil, nil, invalid("job %q: matrix %q is an expression; Runnerhub expands literal matrices only", jobID, m.Value)
	}
	if m.Kind != yaml.MappingNode {
		return nil, nil, invalid("job %q: matrix must be a mapping (line %d)", jobID, m.Line)
	}
	var keys []string
	var include, exclude *yaml.Node
	combos := []combo{{}}
	for i := 0; i < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch k.Value {
		case "include":
			include = v
			continue
		case "exclude":
			exclude = v
			continue
		}
		if v.Kind != yaml.SequenceNode {
			return nil, nil, invalid("job %q: matrix key %q must list its values (line %d)", jobID, k.Value, v.Line)
		}
		if len(v.Content) == 0 {
			return nil, nil, invalid("job %q: matrix key %q has no values", jobID, k.Value)
		}
		keys = append(keys, k.Value)
		next := make([]combo, 0, len(combos)*len(v.Content))
		for _, c := range combos {
			for _, val := range v.Content {
				n := cloneCombo(c)
				n[k.Value] = val
				next = append(next, n)
			}
			if len(next) > maxWorkflowJobs {
				return nil, nil, invalid("job %q: matrix makes more than %d jobs", jobID, maxWorkflowJobs)
			}
		}
		combos = next
	}
	original := len(keys)
	if len(keys) == 0 {
		combos = nil // only include entries make combinations then
	}
	if exclude != nil {
		entries, err := matrixEntries(jobID, "exclude", exclude)
		if err != nil {
			return nil, nil, err
		}
		kept := combos[:0]
		for _, c := range combos {
			if !matchesAny(c, entries) {
				kept = append(kept, c)
			}
		}
		combos = kept
	}
	if include != nil {
		entries, err := matrixEntries(jobID, "include", include)
		if err != nil {
			return nil, nil, err
		}
		originalKeys := keys[:original:original]
		for _, e := range entries {
			added := false
			for _, c := range combos {
				if fitsOriginal(c, e, originalKeys) {
					for k, v := range cloneCombo(e) {
						c[k] = v
					}
					added = true
				}
			}
			if !added {
				combos = append(combos, cloneCombo(e))
			}
			for _, k := range orderedKeys(e) {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	if len(combos) == 0 {
		return nil, nil, invalid("job %q: matrix has no combination left", jobID)
	}
	if len(combos) > maxWorkflowJobs {
		return nil, nil, invalid("job %q: matrix makes more than %d jobs", jobID, maxWorkflowJobs)
	}
	return combos, keys, nil
}

// matrixEntries reads an include or exclude list, keeping each entry's key
// order for stable names.
func matrixEntries(jobID, what string, n *yaml.Node) ([]combo, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, invalid("job %q: matrix %s must be a list (line %d)", jobID, what, n.Line)
	}
	out := make([]combo, 0, len(n.Content))
	for _, e := range n.Content {
		if e.Kind != yaml.MappingNode {
			return nil, invalid("job %q: matrix %s entries must be mappings (line %d)", jobID, what, e.Line)
		}
		c := combo{}
		for i := 0; i < len(e.Content); i += 2 {
			c[e.Content[i].Value] = e.Content[i+1]
		}
		c[orderKey] = e // remembers the key order; never a matrix key (not a valid identifier)
		out = append(out, c)
	}
	return out, nil
}

// orderKey holds, inside an include/exclude entry, the node it came from.
const orderKey = " order"

func orderedKeys(c combo) []string {
	n := c[orderKey]
	if n == nil {
		return nil
	}
	keys := make([]string, 0, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

func cloneCombo(c combo) combo {
	n := make(combo, len(c))
	for k, v := range c {
		if k != orderKey {
			n[k] = v
		}
	}
	return n
}

// matchesAny reports whether some exclude entry matches all its keys in c.
func matchesAny(c combo, entries []combo) bool {
	for _, e := range entries {
		match := true
		for k, v := range e {
			if k == orderKey {
				continue
			}
			if cv, ok := c[k]; !ok || !sameValue(cv, v) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// fitsOriginal reports whether adding e to c leaves c's original matrix values as they are.
func fitsOriginal(c, e combo, originalKeys []string) bool {
	for _, k := range originalKeys {
		if v, ok := e[k]; ok && !sameValue(c[k], v) {
			return false
		}
	}
	return true
}

func sameValue(a, b *yaml.Node) bool { return scalarText(a) == scalarText(b) }

// scalarText renders a matrix value: a scalar as written, anything else as
// compact YAML.
func scalarText(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	b, err := yaml.Marshal(n)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

var exprPattern = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

var matrixRef = regexp.MustCompile(`^matrix\.([A-Za-z_][A-Za-z0-9_-]*)$`)

// interpolateMatrix replaces ${{ matrix.key }} with the entry's value. Any
// other expression needs contexts only the runner has, so it is refused.
func interpolateMatrix(s string, c combo) (string, error) {
	var err error
	out := exprPattern.ReplaceAllStringFunc(s, func(expr string) string {
		inner := exprPattern.FindStringSubmatch(expr)[1]
		m := matrixRef.FindStringSubmatch(inner)
		if m == nil {
			err = invalid("%q: %v", expr, errUnsupportedExpr)
			return expr
		}
		v, ok := c[m[1]]
		if !ok {
			err = invalid("%q: the matrix has no key %q", expr, m[1])
			return expr
		}
		return scalarText(v)
	})
	return out, err
}
