package workflow

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// combo is one matrix combination: key → value.
type combo map[string]*yaml.Node

// expandMatrix lists the combinations of strategy.matrix the way GitHub
// does: the product of the keys' lists, minus `exclude` entries; then each
// `include` entry is added to every one of those original combinations
// whose original values it does not change, or, when it fits none, becomes
// a combination of its own. An include entry is never compared with the
// combinations earlier entries added, so the work grows with the entries
// times the (at most 256) original combinations, and the job cap is checked
// as combinations are made, before any more work. It returns the keys in
// first-seen order. A job without a matrix has one empty combination.
func (p *parser) expandMatrix(jobID string, m *yaml.Node) ([]combo, []string, error) {
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
		if len(combos)*len(v.Content) > maxWorkflowJobs {
			return nil, nil, invalid("job %q: matrix makes more than %d jobs", jobID, maxWorkflowJobs)
		}
		keys = append(keys, k.Value)
		next := make([]combo, 0, len(combos)*len(v.Content))
		for _, c := range combos {
			for _, val := range v.Content {
				if err := p.spend(len(c) + 1); err != nil {
					return nil, nil, err
				}
				n := cloneCombo(c)
				n[k.Value] = val
				next = append(next, n)
			}
		}
		combos = next
	}
	originalKeys := keys[:len(keys):len(keys)]
	if len(keys) == 0 {
		combos = nil // only include entries make combinations then
	}
	if exclude != nil {
		entries, err := p.matrixEntries(jobID, "exclude", exclude)
		if err != nil {
			return nil, nil, err
		}
		kept := combos[:0]
		for _, c := range combos {
			excluded, err := p.matchesAny(c, entries)
			if err != nil {
				return nil, nil, err
			}
			if !excluded {
				kept = append(kept, c)
			}
		}
		combos = kept
	}
	if include != nil {
		entries, err := p.matrixEntries(jobID, "include", include)
		if err != nil {
			return nil, nil, err
		}
		known := make(map[string]bool, len(keys))
		for _, k := range keys {
			known[k] = true
		}
		original := combos
		var added []combo
		for _, e := range entries {
			fitsSome := false
			for _, c := range original {
				fits, err := p.fitsOriginal(c, e, originalKeys)
				if err != nil {
					return nil, nil, err
				}
				if fits {
					if err := p.spend(len(e)); err != nil {
						return nil, nil, err
					}
					for k, v := range e {
						if k != orderKey {
							c[k] = v
						}
					}
					fitsSome = true
				}
			}
			if !fitsSome {
				if len(original)+len(added) >= maxWorkflowJobs {
					return nil, nil, invalid("job %q: matrix makes more than %d jobs", jobID, maxWorkflowJobs)
				}
				added = append(added, cloneCombo(e))
			}
			for _, k := range orderedKeys(e) {
				if !known[k] {
					known[k] = true
					keys = append(keys, k)
				}
			}
		}
		combos = append(original, added...)
	}
	if len(combos) == 0 {
		return nil, nil, invalid("job %q: matrix has no combination left", jobID)
	}
	return combos, keys, nil
}

// matrixEntries reads an include or exclude list, keeping each entry's key
// order for stable names.
func (p *parser) matrixEntries(jobID, what string, n *yaml.Node) ([]combo, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, invalid("job %q: matrix %s must be a list (line %d)", jobID, what, n.Line)
	}
	out := make([]combo, 0, len(n.Content))
	for _, e := range n.Content {
		if e.Kind != yaml.MappingNode {
			return nil, invalid("job %q: matrix %s entries must be mappings (line %d)", jobID, what, e.Line)
		}
		if err := p.spend(len(e.Content)/2 + 1); err != nil {
			return nil, err
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
func (p *parser) matchesAny(c combo, entries []combo) (bool, error) {
	for _, e := range entries {
		if err := p.spend(len(e)); err != nil {
			return false, err
		}
		match := true
		for k, v := range e {
			if k == orderKey {
				continue
			}
			if cv, ok := c[k]; !ok || !p.sameValue(cv, v) {
				match = false
				break
			}
		}
		if match {
			return true, nil
		}
	}
	return false, nil
}

// fitsOriginal reports whether adding e to c leaves c's original matrix values as they are.
func (p *parser) fitsOriginal(c, e combo, originalKeys []string) (bool, error) {
	if err := p.spend(len(originalKeys) + 1); err != nil {
		return false, err
	}
	for _, k := range originalKeys {
		if v, ok := e[k]; ok && !p.sameValue(c[k], v) {
			return false, nil
		}
	}
	return true, nil
}

func (p *parser) sameValue(a, b *yaml.Node) bool { return p.text(a) == p.text(b) }

// text is scalarText remembered per node: a list or mapping value is
// rendered once, however often it is compared.
func (p *parser) text(n *yaml.Node) string {
	if n == nil || n.Kind == yaml.ScalarNode {
		return scalarText(n)
	}
	t, ok := p.texts[n]
	if !ok {
		t = scalarText(n)
		p.texts[n] = t
		p.renders++
	}
	return t
}

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
func (p *parser) interpolateMatrix(s string, c combo) (string, error) {
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
		return p.text(v)
	})
	return out, err
}
