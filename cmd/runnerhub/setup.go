package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v3"
	"xorm.io/xorm"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
)

// loadOptions reads the configuration and fills what the server derives:
// the root URL and, when none is configured, a secret key kept in the data folder.
func loadOptions(path string) (*options.Options, error) {
	r, err := options.Inspect(path, os.Environ())
	if err != nil {
		return nil, err
	}
	if err := r.Fatal(); err != nil {
		return nil, err
	}
	// A misspelt name would otherwise be ignored without a word and the
	// server would start on a default.
	for _, u := range r.Unknown {
		fmt.Fprintf(os.Stderr, "runnerhub: warning: %s (see 'runnerhub config check')\n", u)
	}
	o := r.Options
	if o.Security.SecretKey == "" {
		if o.Security.SecretKey, err = dataSecretKey(o.Server.AppDataPath); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// dataSecretKey reads the generated secret key, or makes one on first start.
func dataSecretKey(dataPath string) (string, error) {
	path := filepath.Join(dataPath, "secret_key")
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read secret key: %w", err)
	}
	if err := os.MkdirAll(dataPath, 0o700); err != nil {
		return "", fmt.Errorf("create data folder: %w", err)
	}
	key := secret.NewToken() + secret.NewToken()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write secret key: %w", err)
	}
	return key, nil
}

// setUp loads the configuration at cfgPath, connects to the database and
// brings its schema up to date: what every command does first.
func setUp(ctx context.Context, cfgPath string) (*options.Options, *xorm.Engine, error) {
	o, err := loadOptions(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	x, err := db.Open(o.Database)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := runnerhub.ConfigFor(x, o)
	if err == nil {
		err = runnerhub.Migrate(ctx, cfg)
	}
	if err != nil {
		_ = x.Close()
		return nil, nil, err
	}
	return o, x, nil
}

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:      "migrate",
		Usage:     "bring the database schema up to date (or show what that would do)",
		UsageText: "runnerhub migrate [-c app.ini] [--dry-run]",
		Description: "On a Gitea database with [accounts] SOURCE = gitea, migrate takes over Gitea's\n" +
			"actions tables in place; --dry-run prints the plan and changes nothing.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Usage: "print what would be converted and run, change nothing"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := unexpectedArgs(cmd); err != nil {
				return err
			}
			if cmd.Bool("dry-run") {
				return migratePlan(ctx, cmd.String("config"), cmd.Root().Writer)
			}
			return migrate(ctx, cmd.String("config"), cmd.Root().Writer)
		},
	}
}

func migrate(ctx context.Context, cfg string, out io.Writer) error {
	_, x, err := setUp(ctx, cfg)
	if err != nil {
		return err
	}
	defer x.Close()
	fmt.Fprintf(out, "database is at schema version %d\n", migrations.Latest())
	return nil
}

// migratePlan prints what migrate would do (runnerhub.MigratePlan).
func migratePlan(ctx context.Context, cfgPath string, out io.Writer) error {
	o, err := loadOptions(cfgPath)
	if err != nil {
		return err
	}
	x, err := db.Open(o.Database)
	if err != nil {
		return err
	}
	defer x.Close()
	cfg, err := runnerhub.ConfigFor(x, o)
	if err != nil {
		return err
	}
	p, err := runnerhub.MigratePlan(ctx, cfg)
	if err != nil {
		return err
	}
	p.Write(out)
	return nil
}
