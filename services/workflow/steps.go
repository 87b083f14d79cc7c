package workflow

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// StepNames lists the display names of the steps of a single-job payload,
// in the order act_runner numbers them: the step's name, else "Run" and
// what it runs or uses, as GitHub shows them. A payload that does not parse
// has no names.
func StepNames(payload []byte) []string {
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Name string `yaml:"name"`
				Run  string `yaml:"run"`
				Uses string `yaml:"uses"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if yaml.Unmarshal(payload, &wf) != nil {
		return nil
	}
	for _, j := range wf.Jobs { // a payload holds one job
		names := make([]string, 0, len(j.Steps))
		for _, s := range j.Steps {
			switch {
			case s.Name != "":
				names = append(names, s.Name)
			case s.Uses != "":
				names = append(names, "Run "+s.Uses)
			default:
				first, _, _ := strings.Cut(strings.TrimSpace(s.Run), "\n")
				names = append(names, "Run "+first)
			}
		}
		return names
	}
	return nil
}
