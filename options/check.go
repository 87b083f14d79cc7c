package options

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/ini.v1"
)

type sectionKey struct{ section, key string }

// Setting is one key Runnerhub reads, where its value came from ("default",
// "app.ini" or the RUNNERHUB__ variable) and, through Value, what it is.
type Setting struct {
	Section, Key string
	Origin       string
	Secret       bool // never shown
	field        any  // the Options field fill wrote
}

// Value is the setting's effective value as text; a secret shows only
// whether it is set.
func (s Setting) Value() string {
	var v string
	switch f := s.field.(type) {
	case *string:
		v = *f
	case *int:
		v = fmt.Sprint(*f)
	case *int64:
		v = fmt.Sprint(*f)
	case *bool:
		v = fmt.Sprint(*f)
	case *time.Duration:
		v = f.String()
	case *[]netip.Prefix:
		parts := make([]string, len(*f))
		for i, p := range *f {
			parts[i] = p.String()
		}
		v = strings.Join(parts, ",")
	}
	if s.Secret {
		if v == "" {
			return "(not set)"
		}
		return "(set, hidden)"
	}
	return v
}

// Unknown is a name in the configuration that Runnerhub does not read:
// a section or key of app.ini, or a RUNNERHUB__ variable.
type Unknown struct {
	Section, Key string // Key is empty for a whole unknown section
	Variable     string // the environment variable, when it came from one
	Suggestion   string // the closest known name, spelled as the unknown one is
	Hint         string // why, when there is no suggestion
}

func (u Unknown) String() string {
	var b strings.Builder
	switch {
	case u.Variable != "":
		fmt.Fprintf(&b, "unknown variable %s", u.Variable)
	case u.Key == "":
		fmt.Fprintf(&b, "unknown section [%s] in app.ini", u.Section)
	default:
		fmt.Fprintf(&b, "unknown key %s in [%s] of app.ini", u.Key, u.Section)
	}
	if u.Suggestion != "" {
		fmt.Fprintf(&b, ": did you mean %s?", u.Suggestion)
	} else if u.Hint != "" {
		fmt.Fprintf(&b, ": %s", u.Hint)
	}
	return b.String()
}

// Report is what Inspect finds: the options, every setting, the unknown
// names, and the first conversion or validation error.
type Report struct {
	Options  *Options
	Settings []Setting
	Unknown  []Unknown
	Err      error
}

// Fatal is the error that stops start-up: a bad value, or unknown names
// when [server] STRICT_CONFIG is true.
func (r *Report) Fatal() error {
	if r.Err != nil {
		return r.Err
	}
	if r.Options.Server.StrictConfig && len(r.Unknown) > 0 {
		msgs := make([]string, len(r.Unknown))
		for i, u := range r.Unknown {
			msgs[i] = u.String()
		}
		return fmt.Errorf("[server] STRICT_CONFIG is true and the configuration has unknown names:\n  %s", strings.Join(msgs, "\n  "))
	}
	return nil
}

// Problems is every problem Inspect found: the unknown names, then the error.
func (r *Report) Problems() []string {
	var out []string
	for _, u := range r.Unknown {
		out = append(out, u.String())
	}
	if r.Err != nil {
		// Validate joins its errors; one line each.
		out = append(out, strings.Split(r.Err.Error(), "\n")...)
	}
	return out
}

// Write prints the effective configuration by section, secrets hidden,
// then the problems.
func (r *Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	section := ""
	for _, s := range r.Settings {
		if s.Section != section {
			section = s.Section
			fmt.Fprintf(tw, "[%s]\t\t\n", section)
		}
		fmt.Fprintf(tw, "%s = %s\t; %s\t\n", s.Key, s.Value(), s.Origin)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ps := r.Problems()
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "\nno problems found")
		return err
	}
	fmt.Fprintf(w, "\n%d problem(s):\n", len(ps))
	for _, p := range ps {
		fmt.Fprintf(w, "  %s\n", p)
	}
	return nil
}

// ErrProblems is returned by commands that found configuration problems.
var ErrProblems = errors.New("the configuration has problems")

// knownKeys is every section and key fill reads, in fill's order.
func knownKeys() []sectionKey {
	r := reader{cfg: ini.Empty(), record: true}
	_ = fill(&r, Default()) // an empty file converts nothing, so cannot fail
	out := make([]sectionKey, len(r.settings))
	for i, s := range r.settings {
		out[i] = sectionKey{s.Section, s.Key}
	}
	return out
}

// unknownNames lists the sections and keys of cfg that fill does not read,
// each with the closest known name.
func unknownNames(cfg *ini.File, env map[sectionKey]string) []Unknown {
	known := knownKeys()
	sections := map[string][]string{}
	var sectionNames []string
	for _, k := range known {
		if _, ok := sections[k.section]; !ok {
			sectionNames = append(sectionNames, k.section)
		}
		sections[k.section] = append(sections[k.section], k.key)
	}
	var out []Unknown
	for _, sec := range cfg.Sections() {
		name := sec.Name()
		if strings.HasPrefix(name, PoolSectionPrefix) {
			continue // readPools refuses what it does not know
		}
		keys, knownSection := sections[name]
		if !knownSection && name != ini.DefaultSection {
			// One warning for a misspelled section in the file; each variable
			// naming it is its own mistake.
			fileKeys := false
			for _, k := range sec.Keys() {
				if v, ok := env[sectionKey{name, k.Name()}]; ok {
					s := closest(strings.ToLower(name), sectionNames)
					u := Unknown{Section: name, Key: k.Name(), Variable: v, Hint: "no section [" + name + "]"}
					if s != "" {
						u.Suggestion = EnvPrefix + strings.ToUpper(s) + "__" + k.Name()
					}
					out = append(out, u)
				} else {
					fileKeys = true
				}
			}
			if fileKeys || len(sec.Keys()) == 0 {
				u := Unknown{Section: name}
				if s := closest(strings.ToLower(name), sectionNames); s != "" {
					u.Suggestion = "[" + s + "]"
				}
				out = append(out, u)
			}
			continue
		}
		for _, k := range sec.Keys() {
			if contains(keys, k.Name()) {
				continue
			}
			u := Unknown{Section: name, Key: k.Name(), Variable: env[sectionKey{name, k.Name()}]}
			if s := closest(strings.ToUpper(k.Name()), keys); s != "" {
				u.Suggestion = s
				if u.Variable != "" {
					u.Suggestion = EnvPrefix + strings.ToUpper(name) + "__" + s
				}
			} else if other := whereIs(known, strings.ToUpper(k.Name())); other != "" {
				u.Hint = k.Name() + " belongs in [" + other + "]"
			} else if name == ini.DefaultSection {
				u.Hint = "keys before the first [section] are not read"
			}
			out = append(out, u)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Variable == "" && out[j].Variable != "" })
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// whereIs is the section that has key, if any.
func whereIs(known []sectionKey, key string) string {
	for _, k := range known {
		if k.key == key {
			return k.section
		}
	}
	return ""
}

// closest is the candidate nearest to s by edit distance, or "" when none
// is near enough to be a likely misspelling (a third of the name's length,
// at least 1, at most 3 edits).
func closest(s string, candidates []string) string {
	limit := min(max(len(s)/3, 1), 3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance, so a swap of two neighbours (HTPP/HTTP) is one edit.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
