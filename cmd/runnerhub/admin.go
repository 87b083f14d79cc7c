package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// adminFlags holds the parsed flag values by name.
type adminFlags map[string]string

// adminRun is what an admin subcommand does with its flag values.
type adminRun func(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error

func str(name, usage string, required bool) cli.Flag {
	return &cli.StringFlag{Name: name, Usage: usage, Required: required}
}

func adminCommand() *cli.Command {
	return &cli.Command{
		Name:        "admin",
		Usage:       "manage the standalone accounts: users, access tokens, organizations, repositories",
		UsageText:   "runnerhub admin command subcommand [options]",
		Description: "Only with [accounts] SOURCE = standalone; with SOURCE = gitea, manage them in Gitea.",
		Commands: []*cli.Command{
			{
				Name:      "user",
				Usage:     "manage users and their access tokens",
				UsageText: "runnerhub admin user command [options]",
				Commands: []*cli.Command{
					adminLeaf("user list", "list the users", "[--output json]", adminListUsers, outputFlag()),
					adminLeaf("user change-password", "set a user's password and sign them out of the web pages everywhere", "--username U --password P [--must-change-password]", adminChangePassword,
						str("username", "the user", true),
						str("password", "the new password (8 to 72 bytes)", true),
						mustChangeFlag()),
					mustChangePasswordCommand(),
					adminLeaf("user delete", "delete a user with their access tokens (refused while they own repositories or are an organization's last owner)", "--username U", adminDeleteUser,
						str("username", "the user", true)),
					withBefore(checkCreatePassword, adminLeaf("user create", "create a user", "--username U (--password P | --random-password) [--email E] [--admin] [--must-change-password]", adminCreateUser,
						str("username", "the user's login name", true),
						str("password", "the user's password (8 to 72 bytes)", false),
						&cli.BoolFlag{Name: "random-password", Usage: "generate the password and print it (instead of --password)"},
						str("email", "the user's email address", false),
						&cli.BoolFlag{Name: "admin", Usage: "make the user an instance administrator"},
						mustChangeFlag())),
					adminLeaf("user generate-access-token", "make an access token for the API and print it", "--username U [--token-name N] [--scopes S] [--expires-in 720h] [--raw]", adminGenerateAccessToken,
						str("username", "the token's user", true),
						&cli.StringFlag{Name: "token-name", Aliases: []string{"t"}, Value: "cli", Usage: "the token's name, unique per user"},
						str("scopes", "comma-separated scopes, as Gitea names them: all, read:repository, write:organization, read:admin, ... (default: all)", false),
						str("expires-in", "lifetime such as 720h; never expires when empty", false),
						&cli.BoolFlag{Name: "raw", Usage: "print only the token, for scripts"}),
					adminLeaf("user list-access-tokens", "list a user's access tokens with their scopes (never the tokens themselves)", "--username U [--output json]", adminListAccessTokens,
						str("username", "the tokens' user", true), outputFlag()),
					adminLeaf("user delete-access-token", "revoke one access token at once", "--username U --token ID-or-name", adminDeleteAccessToken,
						str("username", "the token's user", true),
						str("token", "the token's id or name", true)),
				},
			},
			{
				Name:      "org",
				Usage:     "manage organizations",
				UsageText: "runnerhub admin org command [options]",
				Commands: []*cli.Command{
					adminLeaf("org create", "create an organization", "--name O --owner U", adminCreateOrg,
						str("name", "the organization's name", true),
						str("owner", "the user who owns it", true)),
					adminLeaf("org add-owner", "make a user an owner of an organization", "--org O --username U", adminAddOrgOwner,
						str("org", "the organization", true),
						str("username", "the new owner", true)),
				},
			},
			{
				Name:      "repo",
				Usage:     "manage repositories",
				UsageText: "runnerhub admin repo command [options]",
				Commands: []*cli.Command{
					adminLeaf("repo create", "create a repository", "--owner O --name R", adminCreateRepo,
						str("owner", "the user or organization that owns it", true),
						str("name", "the repository's name", true)),
					adminLeaf("repo add-collaborator", "grant a user read, write or admin access to a repository (or change it)", "--repo O/R --username U --mode read|write|admin", adminAddCollaborator,
						str("repo", "the repository as owner/name", true),
						str("username", "the collaborator", true),
						str("mode", "read (runs, jobs, logs), write (also cancel and re-run) or admin (also runners, tokens, webhooks)", true)),
					adminLeaf("repo remove-collaborator", "take a user's access to a repository away", "--repo O/R --username U", adminRemoveCollaborator,
						str("repo", "the repository as owner/name", true),
						str("username", "the collaborator", true)),
					adminLeaf("repo add-admin", "make a user an administrator of a repository (add-collaborator --mode admin)", "--repo O/R --username U", adminAddRepoAdmin,
						str("repo", "the repository as owner/name", true),
						str("username", "the new administrator", true)),
				},
			},
		},
	}
}

// adminLeaf is one admin subcommand: its flags are gathered into adminFlags,
// and it runs against the standalone accounts after the schema is current.
func adminLeaf(path, usage, synopsis string, do adminRun, flags ...cli.Flag) *cli.Command {
	_, name, _ := strings.Cut(path, " ")
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Flags: flags,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := unexpectedArgs(cmd); err != nil {
				return err
			}
			v := adminFlags{}
			for _, f := range flags {
				n := f.Names()[0]
				v[n] = fmt.Sprint(cmd.Value(n))
				if r, ok := f.(cli.RequiredFlag); ok && r.IsRequired() && strings.TrimSpace(v[n]) == "" {
					return fmt.Errorf("--%s must not be empty (see '%s --help')", n, cmd.FullName())
				}
			}
			return adminDo(ctx, cmd.String("config"), do, v, cmd.Root().Writer)
		},
		UsageText: "runnerhub admin " + path + " " + synopsis,
	}
}

// adminDo sets up the database and runs do on the standalone accounts.
func adminDo(ctx context.Context, cfg string, do adminRun, v adminFlags, out io.Writer) error {
	o, x, err := setUp(ctx, cfg)
	if err != nil {
		return err
	}
	defer x.Close()
	if o.Accounts.Source != options.AccountsStandalone {
		return fmt.Errorf("[accounts] SOURCE is %s: manage users, organizations and repositories there", o.Accounts.Source)
	}
	return do(db.WithEngine(ctx, x), identity.NewStandalone(), v, out)
}

// mustChangeFlag is --must-change-password of create and change-password.
// It is off unless given, unlike Gitea's, so that a password the operator
// sets keeps working as it did.
func mustChangeFlag() cli.Flag {
	return &cli.BoolFlag{Name: "must-change-password", Usage: "make the user change the password at their next web sign-in"}
}

// withBefore has c check its flags with check before it touches the database.
func withBefore(check func(cmd *cli.Command) error, c *cli.Command) *cli.Command {
	c.Before = func(ctx context.Context, cmd *cli.Command) (context.Context, error) {
		if err := check(cmd); err != nil {
			return ctx, fmt.Errorf("%w (see '%s --help')", err, cmd.FullName())
		}
		return ctx, nil
	}
	return c
}

// checkCreatePassword: create takes exactly one of --password and --random-password.
func checkCreatePassword(cmd *cli.Command) error {
	given, random := strings.TrimSpace(cmd.String("password")) != "", cmd.Bool("random-password")
	switch {
	case given && random:
		return errors.New("give --password or --random-password, not both")
	case !given && !random:
		return errors.New("--password (or --random-password) is required")
	}
	return nil
}

func adminCreateUser(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	random := v["random-password"] == "true"
	password := v["password"]
	if random {
		password = identity.RandomPassword()
	}
	u, err := acc.CreateUser(ctx, identity.CreateUserInput{
		Name: v["username"], Password: password, Email: v["email"], IsAdmin: v["admin"] == "true",
		MustChangePassword: v["must-change-password"] == "true",
	})
	if err != nil {
		return err
	}
	kind := "user"
	if u.IsAdmin {
		kind = "admin user"
	}
	fmt.Fprintf(out, "created %s %s (id %d)\n", kind, u.Name, u.ID)
	if random {
		fmt.Fprintf(out, "generated password (shown this once): %s\n", password)
	}
	if u.MustChangePassword {
		fmt.Fprintf(out, "%s must change it at their first web sign-in\n", u.Name)
	}
	return nil
}

func adminGenerateAccessToken(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	u, err := acc.GetUserByName(ctx, v["username"])
	if err != nil {
		return err
	}
	in := identity.AccessTokenInput{Name: v["token-name"], Scopes: []string{v["scopes"]}}
	if in.Name == "" {
		in.Name = "cli"
	}
	if s := v["expires-in"]; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("--expires-in %q must be a positive duration such as 720h", s)
		}
		in.Expires = time.Now().Add(d)
	}
	t, token, err := acc.GenerateAccessToken(ctx, identity.Operator, u, in)
	if err != nil {
		return err
	}
	if v["raw"] == "true" {
		fmt.Fprintln(out, token)
		return nil
	}
	fmt.Fprintf(out, "access token %q with scopes %s created for %s (shown this once): %s\n", in.Name, t.Scope, u.Name, token)
	return nil
}

func adminListUsers(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	us, err := acc.ListUsers(ctx)
	if err != nil {
		return err
	}
	if us == nil {
		us = []identity.UserInfo{}
	}
	p := printer{out: out, json: v["output"] == "json"}
	return p.print(us, "ID\tNAME\tEMAIL\tADMIN\tPASSWORD\tMUST CHANGE PASSWORD\tCREATED", func(w io.Writer) {
		for _, u := range us {
			fmt.Fprintf(w, "%d\t%s\t%s\t%t\t%t\t%t\t%s\n", u.ID, u.Name, u.Email, u.IsAdmin, u.HasPassword, u.MustChangePassword, time.Unix(u.Created, 0).UTC().Format(time.RFC3339))
		}
	})
}

func adminChangePassword(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	u, err := acc.ChangePassword(ctx, v["username"], v["password"], v["must-change-password"] == "true")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "changed the password of %s and ended their web sessions\n", u.Name)
	if u.MustChangePassword {
		fmt.Fprintf(out, "%s must change it at their next web sign-in\n", u.Name)
	}
	return nil
}

func adminDeleteUser(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	u, err := acc.DeleteUser(ctx, v["username"])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted user %s (id %d) and their access tokens\n", u.Name, u.ID)
	return nil
}

// accessTokenRow is a token as list-access-tokens prints it.
type accessTokenRow struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	LastEight string   `json:"token_last_eight"`
	Scopes    []string `json:"scopes"`
	Created   int64    `json:"created"`
	Expires   int64    `json:"expires"` // 0: never
	Expired   bool     `json:"expired"`
}

func adminListAccessTokens(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	u, err := acc.GetUserByName(ctx, v["username"])
	if err != nil {
		return err
	}
	ts, _, err := acc.ListAccessTokens(ctx, identity.Operator, u, 0, 0)
	if err != nil {
		return err
	}
	now := time.Now()
	rows := make([]accessTokenRow, len(ts))
	for i, t := range ts {
		rows[i] = accessTokenRow{ID: t.ID, Name: t.Name, LastEight: t.LastEight, Scopes: t.Scope.Names(), Created: t.Created, Expires: t.ExpiresUnix, Expired: t.IsExpired(now)}
	}
	p := printer{out: out, json: v["output"] == "json"}
	return p.print(rows, "ID\tNAME\tENDS WITH\tSCOPES\tCREATED\tEXPIRES", func(w io.Writer) {
		for _, t := range rows {
			expires := "never"
			if t.Expires != 0 {
				expires = time.Unix(t.Expires, 0).UTC().Format(time.RFC3339)
				if t.Expired {
					expires += " (expired)"
				}
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, strconv.Quote(t.Name), t.LastEight, strings.Join(t.Scopes, ","), time.Unix(t.Created, 0).UTC().Format(time.RFC3339), expires)
		}
	})
}

func adminDeleteAccessToken(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	u, err := acc.GetUserByName(ctx, v["username"])
	if err != nil {
		return err
	}
	t, err := acc.DeleteAccessToken(ctx, identity.Operator, u, v["token"])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted access token %q (id %d) of %s; it no longer works\n", t.Name, t.ID, u.Name)
	return nil
}

func adminCreateOrg(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	owner, err := acc.GetUserByName(ctx, v["owner"])
	if err != nil {
		return err
	}
	org, err := acc.CreateOrg(ctx, owner, v["name"])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created organization %s (id %d) owned by %s\n", org.Name, org.ID, owner.Name)
	return nil
}

func adminAddOrgOwner(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	org, err := acc.GetOwnerByName(ctx, v["org"])
	if err != nil {
		return err
	}
	u, err := acc.AddOrgOwner(ctx, identity.Operator, org, v["username"])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s now owns %s\n", u.Name, org.Name)
	return nil
}

func adminCreateRepo(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	owner, err := acc.GetOwnerByName(ctx, v["owner"])
	if err != nil {
		return err
	}
	repo, err := acc.CreateRepo(ctx, identity.Operator, owner, v["name"])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created repository %s (id %d)\n", repo.FullName(), repo.ID)
	return nil
}

// repoFlag finds the repository --repo names as owner/name.
func repoFlag(ctx context.Context, acc identity.Standalone, v adminFlags) (*identity.Repo, error) {
	ownerName, repoName, ok := strings.Cut(v["repo"], "/")
	if !ok {
		return nil, fmt.Errorf("--repo must be owner/name, not %q", v["repo"])
	}
	owner, err := acc.GetOwnerByName(ctx, ownerName)
	if err != nil {
		return nil, err
	}
	return acc.GetRepoByName(ctx, owner, repoName)
}

func adminAddCollaborator(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	mode, err := identity.ParseAccessMode(v["mode"])
	if err != nil {
		return err
	}
	return setCollaborator(ctx, acc, v, mode, out)
}

func adminAddRepoAdmin(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	return setCollaborator(ctx, acc, v, identity.AccessAdmin, out)
}

func setCollaborator(ctx context.Context, acc identity.Standalone, v adminFlags, mode identity.AccessMode, out io.Writer) error {
	repo, err := repoFlag(ctx, acc, v)
	if err != nil {
		return err
	}
	u, err := acc.SetCollaborator(ctx, identity.Operator, repo, v["username"], mode)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s now has %s access to %s\n", u.Name, mode, repo.FullName())
	return nil
}

func adminRemoveCollaborator(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	repo, err := repoFlag(ctx, acc, v)
	if err != nil {
		return err
	}
	if err := acc.RemoveCollaborator(ctx, identity.Operator, repo, v["username"]); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s no longer has access to %s\n", v["username"], repo.FullName())
	return nil
}
