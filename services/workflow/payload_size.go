package workflow

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

// payloadSizes estimates, before any payload is written, the bytes the
// run's single-job workflows will take together: each repeats the header
// and its job, with the matrix narrowed to its own values. The header and
// each job are measured once, so the estimate costs no more than reading
// the file, however many jobs the matrix makes.
func (p *parser) payloadSizes(header []*yaml.Node, entries []entry) (int64, error) {
	headerSize, err := encodedSize(&yaml.Node{Kind: yaml.MappingNode, Content: header})
	if err != nil {
		return 0, fmt.Errorf("measure the workflow's header: %w", err)
	}
	jobSizes := map[*job]int64{}
	var total int64
	for _, e := range entries {
		size, ok := jobSizes[e.job]
		if !ok {
			if size, err = encodedSize(withoutMatrix(e.job.node)); err != nil {
				return 0, fmt.Errorf("job %q: measure its workflow: %w", e.job.id, err)
			}
			jobSizes[e.job] = size
		}
		if err := p.spend(len(e.keys) + 1); err != nil {
			return 0, err
		}
		total += headerSize + size
		for _, k := range e.keys {
			if v, ok := e.combo[k]; ok {
				total += int64(len(k) + len(p.text(v)))
			}
		}
	}
	return total, nil
}

// withoutMatrix is a job's mapping with strategy.matrix left out: each
// payload carries only its own combination of it.
func withoutMatrix(jobNode *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(jobNode.Content); i += 2 {
		k, v := jobNode.Content[i], jobNode.Content[i+1]
		if k.Value == "strategy" && v.Kind == yaml.MappingNode {
			s := &yaml.Node{Kind: yaml.MappingNode}
			for j := 0; j < len(v.Content); j += 2 {
				if v.Content[j].Value != "matrix" {
					s.Content = append(s.Content, v.Content[j], v.Content[j+1])
				}
			}
			v = s
		}
		out.Content = append(out.Content, k, v)
	}
	return out
}

// payloadTooLarge names the limit a run's payloads went past.
func payloadTooLarge(size, limit int64) error {
	return fmt.Errorf("%w: the run's jobs would store %d bytes of workflow, more than the limit of %d bytes ([actions] MAX_RUN_PAYLOAD_BYTES): every job stores the file's header (name, on, env, defaults, permissions) and its own job, so make the header or the matrix smaller",
		errs.InvalidArgument, size, limit)
}

// encodedSize is the length of n written as a payload is written.
func encodedSize(n *yaml.Node) (int64, error) {
	var w byteCounter
	enc := yaml.NewEncoder(&w)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return 0, err
	}
	if err := enc.Close(); err != nil {
		return 0, err
	}
	return int64(w), nil
}

// byteCounter counts what is written to it and keeps none of it.
type byteCounter int64

func (c *byteCounter) Write(b []byte) (int, error) {
	*c += byteCounter(len(b))
	return len(b), nil
}
