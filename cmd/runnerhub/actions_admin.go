package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	runnerhub "code.runnerhub.dev/runnerhub"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

func outputFlag() cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json",
		Validator: func(s string) error {
			if s != "table" && s != "json" {
				return fmt.Errorf("--output must be table or json, not %q", s)
			}
			return nil
		}}
}

func idFlag(what string) cli.Flag {
	return &cli.Int64Flag{Name: "id", Usage: "the " + what + "'s id (from list)", Required: true}
}

// actionsRun is what a runners or registration-tokens subcommand does once
// the database is current and --scope is resolved.
type actionsRun func(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error

// actionsLeaf makes a subcommand taking --scope, --output and flags.
func actionsLeaf(path, usage, synopsis string, do actionsRun, flags ...cli.Flag) *cli.Command {
	_, name, _ := strings.Cut(path, " ")
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		UsageText: strings.Join(strings.Fields("runnerhub actions "+path+" [--scope owner[/repo]] "+synopsis+" [--output json]"), " "),
		Flags:     append([]cli.Flag{scopeFlag(), outputFlag()}, flags...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := unexpectedArgs(cmd); err != nil {
				return err
			}
			o, x, err := setUp(ctx, cmd.String("config"))
			if err != nil {
				return err
			}
			defer x.Close()
			ctx = db.WithEngine(ctx, x)
			rc, err := runnerhub.ConfigFor(x, o)
			if err != nil {
				return err
			}
			sc, err := resolveScope(ctx, rc.Identity, cmd.String("scope"))
			if err != nil {
				return err
			}
			box, err := secret.NewBox(o.Security.SecretKey)
			if err != nil {
				return err
			}
			return do(ctx, actions_service.New(o, box), sc, cmd, printer{out: cmd.Root().Writer, json: cmd.String("output") == "json"})
		},
	}
}

// printer writes a value as JSON for scripts, or the table for people.
type printer struct {
	out  io.Writer
	json bool
}

func (p printer) print(v any, header string, rows func(w io.Writer)) error {
	if p.json {
		e := json.NewEncoder(p.out)
		e.SetIndent("", "  ")
		return e.Encode(v)
	}
	tw := tabwriter.NewWriter(p.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	return tw.Flush()
}

func actionsAdminCommands() []*cli.Command {
	return []*cli.Command{
		{
			Name:      "runners",
			Usage:     "list, inspect, disable, enable and delete runners",
			UsageText: "runnerhub actions runners command [--scope owner[/repo]] [options]",
			Commands: []*cli.Command{
				actionsLeaf("runners list", "list the scope's runners (the instance scope: every runner)", "", runnersList),
				actionsLeaf("runners show", "show one runner and its current task", "--id N", runnersShow, idFlag("runner")),
				actionsLeaf("runners disable", "stop giving a runner new tasks", "--id N", runnersSetDisabled(true), idFlag("runner")),
				actionsLeaf("runners enable", "give a disabled runner tasks again", "--id N", runnersSetDisabled(false), idFlag("runner")),
				actionsLeaf("runners delete", "remove a runner; its token stops working", "--id N", runnersDelete, idFlag("runner")),
				runnersGenerateJITCommand(),
			},
		},
		{
			Name:      "registration-tokens",
			Usage:     "manage the tokens runners register with",
			UsageText: "runnerhub actions registration-tokens command [--scope owner[/repo]] [options]",
			Commands: []*cli.Command{
				actionsLeaf("registration-tokens list", "list the scope's registration tokens (never the tokens themselves)", "", tokensList),
				actionsLeaf("registration-tokens create", "make a named token and print it (shown this once)", "--name N [--expires-in 24h] [--max-uses N]", tokensCreate,
					&cli.StringFlag{Name: "name", Usage: "the token's name", Required: true},
					&cli.StringFlag{Name: "description", Usage: "what the token is for"},
					&cli.DurationFlag{Name: "expires-in", Usage: "lifetime such as 24h; never expires when 0"},
					&cli.Int64Flag{Name: "max-uses", Usage: "registrations it allows; unlimited when 0"}),
				actionsLeaf("registration-tokens reset", "replace the scope's reusable default token and print the new one", "", tokensReset),
				actionsLeaf("registration-tokens disable", "refuse registrations with a token until enabled", "--id N", tokensSetDisabled(true), idFlag("token")),
				actionsLeaf("registration-tokens enable", "accept registrations with a disabled token again", "--id N", tokensSetDisabled(false), idFlag("token")),
				actionsLeaf("registration-tokens delete", "remove a token for good; runners it registered keep working", "--id N", tokensDelete, idFlag("token")),
			},
		},
	}
}

// runnerView is a runner as the CLI prints it.
type runnerView struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Scope      string   `json:"scope"`
	Status     string   `json:"status"`
	Disabled   bool     `json:"disabled"`
	Ephemeral  bool     `json:"ephemeral"`
	Version    string   `json:"version"`
	Labels     []string `json:"labels"`
	LastOnline string   `json:"last_online,omitempty"`
	TaskID     int64    `json:"task_id,omitempty"`
}

func viewRunner(r *actions_service.RunnerInfo, sc identity.Scope) runnerView {
	status := "offline"
	switch {
	case r.Online && r.Busy():
		status = "busy"
	case r.Online:
		status = "idle"
	}
	v := runnerView{ID: r.ID, Name: r.Name, Scope: runnerScope(r.Runner, sc), Status: status, Disabled: r.Disabled,
		Ephemeral: r.Ephemeral, Version: r.Version, Labels: r.LabelList()}
	if v.Labels == nil {
		v.Labels = []string{}
	}
	if r.LastOnline != 0 {
		v.LastOnline = time.Unix(r.LastOnline, 0).UTC().Format(time.RFC3339)
	}
	if r.Task != nil {
		v.TaskID = r.Task.ID
	}
	return v
}

// runnerScope names the runner's scope by ids where the listing scope is
// wider than the runner's own.
func runnerScope(r *actions_model.Runner, sc identity.Scope) string {
	switch {
	case r.OwnerID == sc.OwnerID() && r.RepoID == sc.RepoID():
		return sc.String()
	case r.RepoID != 0:
		return fmt.Sprintf("repo %d", r.RepoID)
	case r.OwnerID != 0:
		return fmt.Sprintf("owner %d", r.OwnerID)
	}
	return identity.InstanceScope.String()
}

func runnersList(ctx context.Context, svc *actions_service.Service, sc identity.Scope, _ *cli.Command, p printer) error {
	rs, _, err := svc.ListRunners(ctx, sc, 0, 0)
	if err != nil {
		return err
	}
	views := make([]runnerView, len(rs))
	for i, r := range rs {
		views[i] = viewRunner(r, sc)
	}
	return p.print(views, "ID\tNAME\tSCOPE\tSTATUS\tDISABLED\tLABELS", func(w io.Writer) {
		for _, v := range views {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%t\t%s\n", v.ID, v.Name, v.Scope, v.Status, v.Disabled, strings.Join(v.Labels, ","))
		}
	})
}

func printRunner(p printer, v runnerView) error {
	return p.print(v, "ID\tNAME\tSCOPE\tSTATUS\tDISABLED\tEPHEMERAL\tVERSION\tLAST ONLINE\tTASK\tLABELS", func(w io.Writer) {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%t\t%t\t%s\t%s\t%d\t%s\n", v.ID, v.Name, v.Scope, v.Status, v.Disabled, v.Ephemeral,
			v.Version, v.LastOnline, v.TaskID, strings.Join(v.Labels, ","))
	})
}

func runnersShow(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error {
	r, err := svc.GetRunner(ctx, sc, cmd.Int64("id"))
	if err != nil {
		return err
	}
	return printRunner(p, viewRunner(r, sc))
}

func runnersSetDisabled(disabled bool) actionsRun {
	return func(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error {
		r, err := svc.SetRunnerDisabled(ctx, sc, cmd.Int64("id"), disabled)
		if err != nil {
			return err
		}
		return printRunner(p, viewRunner(r, sc))
	}
}

func runnersDelete(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error {
	id := cmd.Int64("id")
	if err := svc.DeleteRunner(ctx, sc, id); err != nil {
		return err
	}
	return p.print(map[string]any{"deleted": id}, fmt.Sprintf("deleted runner %d; its token no longer works", id), func(io.Writer) {})
}

// tokenView is a registration token as the CLI prints it; Token is set
// only when the command made it.
type tokenView struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
	State   string `json:"state"`
	Uses    int64  `json:"uses"`
	MaxUses int64  `json:"max_uses"`
	Expires string `json:"expires,omitempty"`
	Token   string `json:"token,omitempty"`
}

func viewToken(svc *actions_service.Service, t *actions_model.RunnerToken) tokenView {
	v := tokenView{ID: t.ID, Name: t.Name, Default: t.IsDefault, State: svc.TokenState(t), Uses: t.Uses, MaxUses: t.MaxUses}
	if t.ExpiresUnix != 0 {
		v.Expires = time.Unix(t.ExpiresUnix, 0).UTC().Format(time.RFC3339)
	}
	return v
}

func printTokens(p printer, views []tokenView) error {
	return p.print(views, "ID\tNAME\tDEFAULT\tSTATE\tUSES\tMAX USES\tEXPIRES", func(w io.Writer) {
		for _, v := range views {
			fmt.Fprintf(w, "%d\t%q\t%t\t%s\t%d\t%d\t%s\n", v.ID, v.Name, v.Default, v.State, v.Uses, v.MaxUses, v.Expires)
		}
	})
}

func tokensList(ctx context.Context, svc *actions_service.Service, sc identity.Scope, _ *cli.Command, p printer) error {
	ts, err := svc.ListRegistrationTokens(ctx, sc)
	if err != nil {
		return err
	}
	views := make([]tokenView, len(ts))
	for i, t := range ts {
		views[i] = viewToken(svc, t)
	}
	return printTokens(p, views)
}

func tokensCreate(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error {
	in := actions_service.NamedTokenInput{Name: cmd.String("name"), Description: cmd.String("description"), MaxUses: cmd.Int64("max-uses")}
	if d := cmd.Duration("expires-in"); d != 0 {
		if d < 0 {
			return fmt.Errorf("--expires-in %s must be positive", d)
		}
		in.ExpiresUnix = time.Now().Add(d).Unix()
	}
	t, token, err := svc.CreateRegistrationToken(ctx, sc, in)
	if err != nil {
		return err
	}
	if !p.json {
		_, err := fmt.Fprintln(p.out, token)
		return err
	}
	v := viewToken(svc, t)
	v.Token = token
	return p.print(v, "", nil)
}

func tokensReset(ctx context.Context, svc *actions_service.Service, sc identity.Scope, _ *cli.Command, p printer) error {
	token, err := svc.ResetRegistrationToken(ctx, sc)
	if err != nil {
		return err
	}
	if !p.json {
		_, err := fmt.Fprintln(p.out, token)
		return err
	}
	return p.print(map[string]string{"scope": sc.String(), "token": token}, "", nil)
}

func tokensSetDisabled(disabled bool) actionsRun {
	return func(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error {
		t, err := svc.SetRegistrationTokenDisabled(ctx, sc, cmd.Int64("id"), disabled)
		if err != nil {
			return err
		}
		return printTokens(p, []tokenView{viewToken(svc, t)})
	}
}

func tokensDelete(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error {
	id := cmd.Int64("id")
	if err := svc.DeleteRegistrationToken(ctx, sc, id); err != nil {
		return err
	}
	return p.print(map[string]any{"deleted": id}, fmt.Sprintf("deleted registration token %d", id), func(io.Writer) {})
}
