package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// groupEnv is what every runner-group command works with: the service, the
// accounts, and the scope --org names.
type groupEnv struct {
	svc   *actions_service.Service
	acc   identity.Standalone
	scope identity.Scope
}

// groupCommand is one runner-group subcommand: its string flags (the
// required ones first), its boolean flags, and what it does with them.
type groupCommand struct {
	required, optional, bools []string
	run                       func(ctx context.Context, e groupEnv, v adminFlags, out io.Writer) error
}

var groupCommands = map[string]groupCommand{
	"create":         {[]string{"name"}, []string{"visibility", "repos", "orgs"}, nil, groupCreate},
	"list":           {nil, nil, nil, groupList},
	"delete":         {[]string{"group"}, nil, nil, groupDelete},
	"add-repo":       {[]string{"group", "repo"}, nil, nil, groupRepo(true)},
	"remove-repo":    {[]string{"group", "repo"}, nil, nil, groupRepo(false)},
	"add-manager":    {[]string{"group", "username"}, nil, nil, groupManager(true)},
	"remove-manager": {[]string{"group", "username"}, nil, nil, groupManager(false)},
	"generate-token": {[]string{"group"}, nil, []string{"reset"}, groupToken},
}

// groupUsage describes each runner-group command's flags, for --help.
var groupUsage = map[string]string{
	"create":         "create a group (--name, --visibility all|selected, --repos R1,R2, --orgs O1,O2)",
	"list":           "list the scope's groups",
	"delete":         "delete a group; its runners go back to the default group",
	"add-repo":       "let a selected group's runners take a repository's jobs",
	"remove-repo":    "take a repository away from a selected group",
	"add-manager":    "make a user a manager of the group",
	"remove-manager": "end a user's management of the group",
	"generate-token": "print the group's own registration token (--reset rotates it)",
}

var groupFlagUsage = map[string]string{
	"name": "the group's name", "visibility": "all or selected (default all)",
	"repos": "repositories, comma-separated: names within --org, owner/name for the instance",
	"orgs":  "organizations an instance group is limited to, comma-separated",
	"group": "the group's name or id", "repo": "a repository: a name within --org, owner/name for the instance",
	"username": "the user", "reset": "rotate the token first",
}

// runnerGroupCommand is `runnerhub actions runner-group <command>`. The
// operator acts as an instance administrator; the audit log names them
// "operator".
func runnerGroupCommand() *cli.Command {
	c := &cli.Command{
		Name:      "runner-group",
		Usage:     "manage runner groups and their managers, of an organization (--org) or the instance",
		UsageText: "runnerhub actions runner-group command [--org O] [command options]",
	}
	for _, name := range []string{"create", "list", "delete", "add-repo", "remove-repo", "add-manager", "remove-manager", "generate-token"} {
		gc := groupCommands[name]
		flags := []cli.Flag{&cli.StringFlag{Name: "org", Usage: "organization; the instance when empty"}}
		for _, f := range gc.required {
			flags = append(flags, &cli.StringFlag{Name: f, Usage: groupFlagUsage[f], Required: true})
		}
		for _, f := range gc.optional {
			flags = append(flags, &cli.StringFlag{Name: f, Usage: groupFlagUsage[f]})
		}
		for _, f := range gc.bools {
			flags = append(flags, &cli.BoolFlag{Name: f, Usage: groupFlagUsage[f]})
		}
		c.Commands = append(c.Commands, &cli.Command{
			Name:      name,
			Usage:     groupUsage[name],
			UsageText: "runnerhub actions runner-group " + name + " [--org O] [options]",
			Flags:     flags,
			Action: func(ctx context.Context, cmd *cli.Command) error {
				if err := unexpectedArgs(cmd); err != nil {
					return err
				}
				v := adminFlags{}
				for _, f := range append(append([]string{}, gc.required...), gc.optional...) {
					v[f] = cmd.String(f)
				}
				for _, f := range gc.bools {
					v[f] = fmt.Sprint(cmd.Bool(f))
				}
				for _, f := range gc.required {
					if strings.TrimSpace(v[f]) == "" {
						return fmt.Errorf("--%s must not be empty", f)
					}
				}
				return runnerGroup(ctx, cmd.String("config"), cmd.String("org"), gc, v, cmd.Root().Writer)
			},
		})
	}
	return c
}

func runnerGroup(ctx context.Context, cfg, org string, cmd groupCommand, v adminFlags, out io.Writer) error {
	o, x, err := setUp(ctx, cfg)
	if err != nil {
		return err
	}
	defer x.Close()
	ctx = actions_service.WithActor(db.WithEngine(ctx, x), actions_service.Actor{Name: identity.Operator.Name})
	box, err := secret.NewBox(o.Security.SecretKey)
	if err != nil {
		return err
	}
	e := groupEnv{svc: actions_service.New(o, box), acc: identity.NewStandalone(), scope: identity.InstanceScope}
	e.svc.SetIdentity(e.acc)
	if org != "" {
		if e.scope, err = identity.ResolveScope(ctx, e.acc, identity.ScopeRef{Kind: identity.OrgKind, Owner: org}); err != nil {
			return err
		}
	}
	return cmd.run(ctx, e, v, out)
}

// group finds the --group the flags name in the scope.
func (e groupEnv) group(ctx context.Context, v adminFlags) (int64, error) {
	g, err := e.svc.GetRunnerGroupByName(ctx, e.scope, v["group"])
	if err != nil {
		return 0, err
	}
	return g.ID, nil
}

// repo finds a repository by name within --org, or as owner/name for the instance.
func (e groupEnv) repo(ctx context.Context, name string) (int64, error) {
	ref := identity.ScopeRef{Kind: identity.RepoKind}
	if e.scope.IsInstance() {
		owner, repo, ok := strings.Cut(name, "/")
		if !ok {
			return 0, fmt.Errorf("repository %q: name it owner/name for an instance group", name)
		}
		ref.Owner, ref.Repo = owner, repo
	} else {
		ref.Owner, ref.Repo = e.scope.Owner.Name, name
	}
	sc, err := identity.ResolveScope(ctx, e.acc, ref)
	if err != nil {
		return 0, err
	}
	return sc.RepoID(), nil
}

// list splits a comma-separated flag value.
func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func groupCreate(ctx context.Context, e groupEnv, v adminFlags, out io.Writer) error {
	in := actions_service.RunnerGroupInput{Name: ptr(v["name"])}
	if v["visibility"] != "" {
		in.Visibility = ptr(v["visibility"])
	}
	if names := list(v["repos"]); len(names) > 0 {
		ids := make([]int64, 0, len(names))
		for _, n := range names {
			id, err := e.repo(ctx, n)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		in.RepoIDs = &ids
	}
	if names := list(v["orgs"]); len(names) > 0 {
		ids := make([]int64, 0, len(names))
		for _, n := range names {
			sc, err := identity.ResolveScope(ctx, e.acc, identity.ScopeRef{Kind: identity.OrgKind, Owner: n})
			if err != nil {
				return err
			}
			ids = append(ids, sc.OwnerID())
		}
		in.OrgIDs = &ids
	}
	g, err := e.svc.CreateRunnerGroup(ctx, e.scope, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created runner group %s (id %d, visibility %s) in %s\n", g.Name, g.ID, g.Visibility, e.scope)
	return nil
}

func groupList(ctx context.Context, e groupEnv, _ adminFlags, out io.Writer) error {
	gs, _, err := e.svc.ListRunnerGroups(ctx, e.scope, nil, 0, 0)
	if err != nil {
		return err
	}
	for _, g := range gs {
		def := ""
		if g.IsDefault {
			def = " (default)"
		}
		fmt.Fprintf(out, "%d\t%s\t%s%s\n", g.ID, g.Name, g.Visibility, def)
	}
	return nil
}

func groupDelete(ctx context.Context, e groupEnv, v adminFlags, out io.Writer) error {
	id, err := e.group(ctx, v)
	if err != nil {
		return err
	}
	if err := e.svc.DeleteRunnerGroup(ctx, e.scope, id); err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted runner group %s; its runners are back in the default group\n", v["group"])
	return nil
}

func groupRepo(add bool) func(context.Context, groupEnv, adminFlags, io.Writer) error {
	return func(ctx context.Context, e groupEnv, v adminFlags, out io.Writer) error {
		id, err := e.group(ctx, v)
		if err != nil {
			return err
		}
		repoID, err := e.repo(ctx, v["repo"])
		if err != nil {
			return err
		}
		if add {
			err = e.svc.AddRunnerGroupRepo(ctx, e.scope, id, repoID)
		} else {
			err = e.svc.RemoveRunnerGroupRepo(ctx, e.scope, id, repoID)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "runner group %s: %s %s\n", v["group"], map[bool]string{true: "added", false: "removed"}[add], v["repo"])
		return nil
	}
}

func groupManager(add bool) func(context.Context, groupEnv, adminFlags, io.Writer) error {
	return func(ctx context.Context, e groupEnv, v adminFlags, out io.Writer) error {
		id, err := e.group(ctx, v)
		if err != nil {
			return err
		}
		if add {
			_, err = e.svc.AddRunnerGroupManager(ctx, e.scope, id, v["username"])
		} else {
			err = e.svc.RemoveRunnerGroupManager(ctx, e.scope, id, v["username"])
		}
		if err != nil {
			return err
		}
		verb := map[bool]string{true: "now manages", false: "no longer manages"}[add]
		fmt.Fprintf(out, "%s %s runner group %s\n", v["username"], verb, v["group"])
		return nil
	}
}

// groupToken prints the group's registration token; runners registered
// with it join the group.
func groupToken(ctx context.Context, e groupEnv, v adminFlags, out io.Writer) error {
	id, err := e.group(ctx, v)
	if err != nil {
		return err
	}
	var token string
	if v["reset"] == "true" {
		token, err = e.svc.ResetGroupRegistrationToken(ctx, e.scope, id)
	} else {
		token, err = e.svc.GroupRegistrationToken(ctx, e.scope, id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
}

func ptr(s string) *string { return &s }
