package options

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// PoolSectionPrefix starts the section of each runner pool the built-in
// provisioner keeps: [provisioner.NAME].
const PoolSectionPrefix = "provisioner."

// Pool is one [provisioner.NAME] section: runners the server starts itself,
// one JIT runner per waiting job its scope, group and labels can serve.
type Pool struct {
	Name string // NAME of the section
	// Scope is whose runners they are: "" the instance, "owner", or "owner/repo".
	Scope string // SCOPE
	// Group is the runner group of the scope they join; "" the default group.
	Group  string   // GROUP
	Labels []string // LABELS: comma-separated, each as act_runner takes it (name[:scheme])
	// MinIdle runners are kept started and idle, so that a job does not wait
	// for one to boot; MaxRunners bounds the pool's runners of every state,
	// across every server process sharing the database.
	MinIdle    int // MIN_IDLE
	MaxRunners int // MAX_RUNNERS
	// StartCommand is run by /bin/sh once per runner wanted, with the
	// runner's JIT config in RUNNERHUB_JIT_CONFIG; StopCommand, when set,
	// stops an idle runner the pool no longer needs (else the start
	// command's processes are signalled).
	StartCommand string // START_COMMAND
	StopCommand  string // STOP_COMMAND
	// StartTimeout is how long a started runner has to get in touch before
	// its start counts as failed and it is removed.
	StartTimeout time.Duration // START_TIMEOUT
}

// poolKeys are the keys of a pool's section; any other is refused.
var poolKeys = []string{"SCOPE", "GROUP", "LABELS", "MIN_IDLE", "MAX_RUNNERS", "START_COMMAND", "STOP_COMMAND", "START_TIMEOUT"}

// Bounds of a pool's settings.
const (
	MaxPoolRunners  = 1000 // a larger pool is a typo more likely than a plan
	maxPoolNameLen  = 40   // runner names are NAME-<id>
	DefaultPoolTime = 5 * time.Minute
)

var poolNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// readPools reads every [provisioner.NAME] section. Unlike other sections,
// an unknown key here is an error whatever STRICT_CONFIG says: a misspelt
// MAX_RUNNERS would otherwise start runners without a bound.
func readPools(r *reader, o *Options) error {
	for _, sec := range r.cfg.Sections() {
		section := sec.Name()
		name, ok := strings.CutPrefix(section, PoolSectionPrefix)
		if !ok {
			continue
		}
		if !poolNameRE.MatchString(name) || len(name) > maxPoolNameLen {
			return fmt.Errorf("[%s]: a pool's name is at most %d lowercase letters, digits, '-' and '_'", section, maxPoolNameLen)
		}
		for _, k := range sec.Keys() {
			if !slices.Contains(poolKeys, k.Name()) {
				msg := "unknown key; a pool has " + strings.Join(poolKeys, ", ")
				if s := closest(strings.ToUpper(k.Name()), poolKeys); s != "" {
					msg = "unknown key: did you mean " + s + "?"
				}
				return fmt.Errorf("[%s] %s: %s", section, k.Name(), msg)
			}
		}
		p := Pool{Name: name, MaxRunners: 1, StartTimeout: DefaultPoolTime}
		var labels string
		r.str(section, "SCOPE", &p.Scope)
		r.str(section, "GROUP", &p.Group)
		r.str(section, "LABELS", &labels)
		r.int(section, "MIN_IDLE", &p.MinIdle)
		r.int(section, "MAX_RUNNERS", &p.MaxRunners)
		r.str(section, "START_COMMAND", &p.StartCommand)
		r.str(section, "STOP_COMMAND", &p.StopCommand)
		r.duration(section, "START_TIMEOUT", &p.StartTimeout)
		if r.err != nil {
			return r.err
		}
		p.Labels = splitList(labels)
		if err := p.check(); err != nil {
			return fmt.Errorf("[%s] %w", section, err)
		}
		o.Pools = append(o.Pools, p)
	}
	return nil
}

// check refuses settings a pool cannot work with, naming the key. That
// the scope and group exist is checked when the server starts.
func (p Pool) check() error {
	if s := strings.TrimSpace(p.Scope); s != "" {
		owner, repo, hasRepo := strings.Cut(s, "/")
		if s != p.Scope || owner == "" || (hasRepo && (repo == "" || strings.Contains(repo, "/"))) {
			return fmt.Errorf("SCOPE: %q is not empty (the instance), owner or owner/repo", p.Scope)
		}
		if hasRepo && p.Group != "" {
			return errors.New("GROUP: a repository's runners are in no runner group; leave GROUP empty")
		}
	}
	if len(p.Labels) == 0 {
		return errors.New("LABELS: a pool needs at least one label, or its runners would match no job")
	}
	switch {
	case p.MaxRunners < 1 || p.MaxRunners > MaxPoolRunners:
		return fmt.Errorf("MAX_RUNNERS: %d is not between 1 and %d", p.MaxRunners, MaxPoolRunners)
	case p.MinIdle < 0:
		return fmt.Errorf("MIN_IDLE: %d is negative", p.MinIdle)
	case p.MaxRunners < p.MinIdle:
		return fmt.Errorf("MAX_RUNNERS: %d is below MIN_IDLE %d", p.MaxRunners, p.MinIdle)
	case strings.TrimSpace(p.StartCommand) == "":
		return errors.New("START_COMMAND: empty; it is what starts a runner")
	case p.StartTimeout <= 0:
		return fmt.Errorf("START_TIMEOUT: %s is not positive", p.StartTimeout)
	}
	return nil
}

// splitList reads a comma-separated list, dropping blanks around items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
