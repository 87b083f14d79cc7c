package web

import (
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The register command the Runners page shows is complete: act_runner
// registers with it as it stands, asking nothing.

const (
	defaultRunnerName   = "my-runner"
	defaultRunnerLabels = "ubuntu-latest:docker://docker.gitea.com/runner-images:ubuntu-latest"
	maxCommandField     = 255
)

// registerCmd is the command and the values the page's form fills it with.
type registerCmd struct {
	Before, Token, After string // the command around the token, which the page marks
	Name, Labels         string
}

// registerCommand builds the command from ?runner_name= and
// ?runner_labels= (the page's form), or defaults.
func registerCommand(r *http.Request, instance, token string) registerCmd {
	q := r.URL.Query()
	c := registerCmd{Name: field(q.Get("runner_name"), defaultRunnerName), Labels: field(q.Get("runner_labels"), defaultRunnerLabels), Token: token}
	c.Before = "act_runner register --no-interactive --instance " + shellQuote(instance) + " --token "
	c.After = " --name " + shellQuote(c.Name) + " --labels " + shellQuote(c.Labels)
	return c
}

// field is a form value, trimmed, or def when it is empty, too long or
// holds a character that would not show (a line end in a command to paste
// runs what follows it).
func field(v, def string) string {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > maxCommandField || !utf8.ValidString(v) ||
		strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || isHidden(r) }) {
		return def
	}
	return v
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]+$`)

// shellQuote writes s as one word of a POSIX shell command.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
