package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"xorm.io/xorm"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/migrations"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/secret"
	"code.runnerhub.dev/runnerhub/options"
)

// newFlags makes a flag set with the --config flag every command takes.
func newFlags(name string, out io.Writer) (*flag.FlagSet, *string) {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(out)
	cfg := fl.String("config", "", "path of app.ini (optional)")
	return fl, cfg
}

// loadOptions reads the configuration and fills what the server derives:
// the root URL and, when none is configured, a secret key kept in the data folder.
func loadOptions(path string) (*options.Options, error) {
	o, err := options.Load(path, os.Environ())
	if err != nil {
		return nil, err
	}
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

func migrate(ctx context.Context, args []string, out io.Writer) error {
	fl, cfg := newFlags("migrate", out)
	dryRun := fl.Bool("dry-run", false, "print what would be converted and run, change nothing")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *dryRun {
		return migratePlan(ctx, *cfg, out)
	}
	_, x, err := setUp(ctx, *cfg)
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
