package main

import (
	"context"
	"fmt"
	"io"
)

// demoWorkflow is what the seeded repository's pushes run.
const demoWorkflow = `name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "built for the example host"
`

// seedDemo fills an empty database with an administrator, an organization
// and a repository, and prints how to sign in. It does nothing when the
// host already has users.
func seedDemo(ctx context.Context, a *Accounts, out io.Writer) error {
	n, err := a.x.Context(ctx).Count(new(User))
	if err != nil || n > 0 {
		return err
	}
	password, err := randomHex(8)
	if err != nil {
		return err
	}
	admin, err := a.CreateUser(ctx, "admin", "Site Admin", "admin@example.invalid", password, true)
	if err != nil {
		return err
	}
	org, err := a.CreateOrg(ctx, "acme", "Acme Corp", admin.ID)
	if err != nil {
		return err
	}
	if _, err := a.CreateRepo(ctx, org, "app", false, "ci.yml", demoWorkflow); err != nil {
		return err
	}
	token, err := a.CreateToken(ctx, admin.ID, "demo")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "seeded: sign in as admin / %s; API token %s; repository acme/app\n", password, token)
	return err
}
