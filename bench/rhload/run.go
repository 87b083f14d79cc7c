package rhload

import (
	"context"
	"fmt"
	"io"
)

// scenarios are what Run can do, by name.
var scenarios = map[string]func(context.Context, *Config, *Target, io.Writer) error{
	"idle":   runIdle,
	"assign": runAssign,
	"e2e":    runEndToEnd,
	"logs":   runLogs,
	"pickup": runPickup,
	"rss":    runRSS,
}

// Run opens the target and runs the scenario cfg names against it.
func Run(ctx context.Context, cfg *Config, out io.Writer) error {
	run, ok := scenarios[cfg.Scenario]
	if !ok {
		return fmt.Errorf("unknown scenario %q (idle, assign, e2e, logs, pickup, rss)", cfg.Scenario)
	}
	t, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	return run(ctx, cfg, t, out)
}
