package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v3"

	"code.runnerhub.dev/runnerhub/options"
)

// TestHelpEverywhere walks the whole command tree: --help and -h, before or
// after -c, print the command's usage and succeed, and every command and
// flag says what it is for.
func TestHelpEverywhere(t *testing.T) {
	var walk func(path []string, c *cli.Command)
	n := 0
	walk = func(path []string, c *cli.Command) {
		n++
		assert.NotEmpty(t, c.Usage, "%v has a usage line", path)
		for _, f := range c.Flags {
			d, ok := f.(cli.DocGenerationFlag)
			require.True(t, ok)
			assert.NotEmpty(t, d.GetUsage(), "%v --%s is described", path, f.Names()[0])
		}
		for _, h := range []string{"--help", "-h"} {
			for _, args := range [][]string{append(append([]string{}, path...), h), append([]string{"-c", "nowhere.ini"}, append(path, h)...)} {
				var out bytes.Buffer
				err := run(context.Background(), args, &out)
				require.NoError(t, err, "%v", args)
				assert.Contains(t, out.String(), "USAGE:", "%v", args)
				assert.Contains(t, out.String(), "--config", "%v: -c is offered everywhere", args)
			}
		}
		for _, sub := range c.Commands {
			if sub.Name != "help" {
				walk(append(append([]string{}, path...), sub.Name), sub)
			}
		}
	}
	walk(nil, newApp(&bytes.Buffer{}))
	assert.Greater(t, n, 12, "the tree was walked")
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), args, &out), "%v", args)
		assert.Contains(t, out.String(), "runnerhub version dev (commit ", "%v", args)
	}
}

// TestUsageErrorsOnce: a wrong flag or argument is one error naming the
// command's help, and nothing is printed besides.
func TestUsageErrorsOnce(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--bogus"},
		{"admin", "user", "create", "--username", "x"},
		{"admin", "user", "create", "--username", " ", "--password", "secret-pass"},
		{"version", "extra"},
		{"migrate", "now"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), args, &out)
		require.Error(t, err, "%v", args)
		assert.Contains(t, err.Error(), "--help')", "%v", args)
		assert.Empty(t, out.String(), "%v: the error is reported once, by main", args)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"nosuch"}, &out)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "nosuch") || strings.Contains(out.String(), "nosuch"), "%v %s", err, out.String())
}

// TestConfigCheck: a clean file passes; a misspelt one prints the effective
// configuration, names the mistake and fails; STRICT_CONFIG stops commands.
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ini")
	require.NoError(t, os.WriteFile(good, []byte("[server]\nAPP_DATA_PATH = "+dir+"\n[database]\nPATH = "+filepath.Join(dir, "rh.db")+"\nPASSWD = hunter2\n"), 0o600))
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"config", "check", "-c", good}, &out))
	assert.Contains(t, out.String(), "no problems found")
	assert.NotContains(t, out.String(), "hunter2")

	bad := filepath.Join(dir, "bad.ini")
	require.NoError(t, os.WriteFile(bad, []byte("[server]\nAPP_DATA_PATH = "+dir+"\nHTPP_ADDR = 0.0.0.0\n[databse]\nPATH = x\n"), 0o600))
	out.Reset()
	err := run(context.Background(), []string{"config", "check", "-c", bad}, &out)
	require.ErrorIs(t, err, options.ErrProblems)
	assert.Contains(t, out.String(), "did you mean HTTP_ADDR?")
	assert.Contains(t, out.String(), "did you mean [database]?")
	assert.Contains(t, out.String(), "HTTP_ADDR = 127.0.0.1")

	// Without STRICT_CONFIG the same file is only a warning; with it, the
	// command refuses before touching the database.
	strict := filepath.Join(dir, "strict.ini")
	require.NoError(t, os.WriteFile(strict, []byte("[server]\nSTRICT_CONFIG = true\nAPP_DATA_PATH = "+dir+"\nHTPP_ADDR = 0.0.0.0\n[database]\nPATH = "+filepath.Join(dir, "strict.db")+"\n"), 0o600))
	err = run(context.Background(), []string{"migrate", "-c", strict}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did you mean HTTP_ADDR?")
	_, statErr := os.Stat(filepath.Join(dir, "strict.db"))
	assert.True(t, os.IsNotExist(statErr), "no database was made")
	lax := filepath.Join(dir, "lax.ini")
	require.NoError(t, os.WriteFile(lax, []byte("[server]\nAPP_DATA_PATH = "+dir+"\nHTPP_ADDR = 0.0.0.0\n[database]\nPATH = "+filepath.Join(dir, "lax.db")+"\n"), 0o600))
	require.NoError(t, run(context.Background(), []string{"migrate", "-c", lax}, &bytes.Buffer{}), "a warning only")
}
