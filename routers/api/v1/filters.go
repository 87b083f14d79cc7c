package v1

import (
	"net/url"
	"slices"
	"strings"
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/services/convert"
)

// Query filters, read strictly (SPEC §8): a value Runnerhub does not know is
// 400, never ignored or mapped to something else; a parameter that takes
// one value is refused when given twice (singleParam); one that selects
// values (status, event, branch, actor, head_sha) may be given several
// times and matches any of them.

// boolParam reads GitHub's true or false; nil when absent.
func boolParam(q url.Values, key string) (*bool, error) {
	s, err := singleParam(q, key)
	if err != nil || s == "" {
		return nil, err
	}
	switch s {
	case "true":
		return new(true), nil
	case "false":
		return new(false), nil
	}
	return nil, BadRequest("%s %q is not true or false", key, s)
}

// maxListValues bounds how many values one parameter may select, before
// any of them is looked up (an actor is a user lookup each).
const maxListValues = 100

// listParam reads every value of a parameter that selects values; nil when
// absent. An empty value is refused: it would select nothing by mistake.
func listParam(q url.Values, key string) ([]string, error) {
	vs := q[key]
	if len(vs) > maxListValues {
		return nil, BadRequest("%s is given %d times; at most %d", key, len(vs), maxListValues)
	}
	for _, v := range vs {
		if strings.TrimSpace(v) == "" {
			return nil, BadRequest("%s is empty", key)
		}
	}
	return vs, nil
}

// statusWords is GitHub's whole vocabulary of ?status= for runs and jobs:
// the statuses and the conclusions.
var statusWords = []string{
	"queued", "in_progress", "completed", "waiting", "requested", "pending",
	"success", "failure", "cancelled", "skipped", "neutral", "stale", "timed_out", "action_required",
}

// statusesByWord is, for each word, the stored statuses that a run or job
// answers with that status or conclusion (convert.RunStatus), so that a
// filter selects exactly what the answer then shows. Words GitHub knows and
// Runnerhub never shows (requested, pending, neutral, stale, timed_out,
// action_required) select nothing.
var statusesByWord = func() map[string][]actions_model.Status {
	m := make(map[string][]actions_model.Status, len(statusWords))
	for _, w := range statusWords {
		m[w] = []actions_model.Status{}
	}
	for s := actions_model.StatusUnknown; s <= actions_model.StatusBlocked; s++ {
		status, conclusion := convert.RunStatus(s)
		m[status] = append(m[status], s)
		if conclusion != nil {
			m[*conclusion] = append(m[*conclusion], s)
		}
	}
	return m
}()

// statusParam reads ?status= (given once or more): nil when absent, else
// the stored statuses any of the words selects (empty: none can match).
func statusParam(q url.Values) ([]actions_model.Status, error) {
	words, err := listParam(q, "status")
	if err != nil || words == nil {
		return nil, err
	}
	out := []actions_model.Status{}
	for _, w := range words {
		st, ok := statusesByWord[w]
		if !ok {
			return nil, BadRequest("status %q is not one of %s", w, strings.Join(statusWords, ", "))
		}
		for _, s := range st {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// createdParam reads GitHub's date-range syntax of ?created=: a day or a
// time ("2024-05-01", "2024-05-01T10:00:00Z", with an offset or none for
// UTC), after a comparison (>, >=, <, <=) or as a range "A..B" where either
// end may be "*". A day stands for all of it. The answer is a half-open
// range [from, before) of Unix seconds; a nil end is open.
func createdParam(q url.Values) (from, before *int64, err error) {
	s, err := singleParam(q, "created")
	if err != nil || s == "" {
		return nil, nil, err
	}
	bad := func() (*int64, *int64, error) {
		return nil, nil, BadRequest("created %q is not a date, a comparison such as >=2024-05-01, or a range such as 2024-05-01..2024-05-31", s)
	}
	if a, b, ok := strings.Cut(s, ".."); ok {
		if a != "*" {
			start, _, ok := parseInstant(a)
			if !ok {
				return bad()
			}
			from = &start
		}
		if b != "*" {
			_, end, ok := parseInstant(b)
			if !ok {
				return bad()
			}
			before = &end
		}
		if a == "*" && b == "*" {
			return bad()
		}
		return from, before, nil
	}
	op := ""
	for _, o := range []string{">=", "<=", ">", "<"} {
		if rest, ok := strings.CutPrefix(s, o); ok {
			op, s = o, rest
			break
		}
	}
	start, end, ok := parseInstant(s)
	if !ok {
		return bad()
	}
	switch op {
	case "":
		return &start, &end, nil
	case ">":
		return &end, nil, nil
	case ">=":
		return &start, nil, nil
	case "<":
		return nil, &start, nil
	default: // "<="
		return nil, &end, nil
	}
}

// parseInstant reads a day or a time and answers the range of seconds it
// stands for: a whole day, or the one second.
func parseInstant(s string) (start, end int64, ok bool) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Unix(), d.AddDate(0, 0, 1).Unix(), true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), t.Unix() + 1, true
		}
	}
	return 0, 0, false
}
