package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
)

const adminUsage = `Usage:
  runnerhub admin user create --username U --password P [--email E] [--admin]
  runnerhub admin user generate-access-token --username U [--token-name N] [--expires-in 720h]
  runnerhub admin user list-access-tokens --username U
  runnerhub admin user delete-access-token --username U --token ID-or-name
  runnerhub admin org create --name O --owner U
  runnerhub admin org add-owner --org O --username U
  runnerhub admin repo create --owner O --name R
  runnerhub admin repo add-admin --repo O/R --username U
Each takes --config app.ini.`

// adminCommand is one admin subcommand: the string flags it takes (the
// required ones first), its boolean flags, and what it does with them.
type adminCommand struct {
	required []string
	optional []string
	bools    []string
	run      func(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error
}

// adminFlags holds the parsed flag values by name.
type adminFlags map[string]string

var adminCommands = map[string]adminCommand{
	"user create":                {[]string{"username", "password"}, []string{"email"}, []string{"admin"}, adminCreateUser},
	"user generate-access-token": {[]string{"username"}, []string{"token-name", "expires-in"}, nil, adminGenerateAccessToken},
	"user list-access-tokens":    {[]string{"username"}, nil, nil, adminListAccessTokens},
	"user delete-access-token":   {[]string{"username", "token"}, nil, nil, adminDeleteAccessToken},
	"org create":                 {[]string{"name", "owner"}, nil, nil, adminCreateOrg},
	"org add-owner":              {[]string{"org", "username"}, nil, nil, adminAddOrgOwner},
	"repo create":                {[]string{"owner", "name"}, nil, nil, adminCreateRepo},
	"repo add-admin":             {[]string{"repo", "username"}, nil, nil, adminAddRepoAdmin},
}

// admin manages the standalone accounts: users, access tokens,
// organizations and repositories.
func admin(ctx context.Context, args []string, out io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("missing admin command\n%s", adminUsage)
	}
	name := args[0] + " " + args[1]
	cmd, ok := adminCommands[name]
	if !ok {
		return fmt.Errorf("unknown admin command %q\n%s", name, adminUsage)
	}
	fl, cfg := newFlags("admin "+name, out)
	strs := map[string]*string{}
	for _, f := range append(append([]string{}, cmd.required...), cmd.optional...) {
		strs[f] = fl.String(f, "", "")
	}
	bools := map[string]*bool{}
	for _, f := range cmd.bools {
		bools[f] = fl.Bool(f, false, "")
	}
	if err := fl.Parse(args[2:]); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	v := adminFlags{}
	for f, p := range strs {
		v[f] = *p
	}
	for f, p := range bools {
		v[f] = strconv.FormatBool(*p)
	}
	for _, f := range cmd.required {
		if strings.TrimSpace(v[f]) == "" {
			return fmt.Errorf("--%s is required\n%s", f, adminUsage)
		}
	}
	o, x, err := setUp(ctx, *cfg)
	if err != nil {
		return err
	}
	defer x.Close()
	if o.Accounts.Source != options.AccountsStandalone {
		return fmt.Errorf("[accounts] SOURCE is %s: manage users, organizations and repositories there", o.Accounts.Source)
	}
	return cmd.run(db.WithEngine(ctx, x), identity.NewStandalone(), v, out)
}

func adminCreateUser(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	u, err := acc.CreateUser(ctx, identity.CreateUserInput{
		Name: v["username"], Password: v["password"], Email: v["email"], IsAdmin: v["admin"] == "true",
	})
	if err != nil {
		return err
	}
	kind := "user"
	if u.IsAdmin {
		kind = "admin user"
	}
	fmt.Fprintf(out, "created %s %s (id %d)\n", kind, u.Name, u.ID)
	return nil
}

func adminGenerateAccessToken(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	u, err := acc.GetUserByName(ctx, v["username"])
	if err != nil {
		return err
	}
	in := identity.AccessTokenInput{Name: v["token-name"]}
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
	_, token, err := acc.GenerateAccessToken(ctx, identity.Operator, u, in)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, token)
	return nil
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
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tENDS WITH\tCREATED\tEXPIRES")
	now := time.Now()
	for _, t := range ts {
		expires := "never"
		if t.ExpiresUnix != 0 {
			expires = time.Unix(t.ExpiresUnix, 0).UTC().Format(time.RFC3339)
			if t.IsExpired(now) {
				expires += " (expired)"
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, strconv.Quote(t.Name), t.LastEight, time.Unix(t.Created, 0).UTC().Format(time.RFC3339), expires)
	}
	return tw.Flush()
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

func adminAddRepoAdmin(ctx context.Context, acc identity.Standalone, v adminFlags, out io.Writer) error {
	ownerName, repoName, ok := strings.Cut(v["repo"], "/")
	if !ok {
		return fmt.Errorf("--repo must be owner/name, not %q", v["repo"])
	}
	owner, err := acc.GetOwnerByName(ctx, ownerName)
	if err != nil {
		return err
	}
	repo, err := acc.GetRepoByName(ctx, owner, repoName)
	if err != nil {
		return err
	}
	u, err := acc.AddRepoAdmin(ctx, identity.Operator, repo, v["username"])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s now administers %s\n", u.Name, repo.FullName())
	return nil
}
