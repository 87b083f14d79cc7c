package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v3"
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
