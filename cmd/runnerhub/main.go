// Command runnerhub runs the Runnerhub server and its admin commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "runnerhub:", err)
		stop()
		os.Exit(1)
	}
}

// run executes the command line args (without the program name), printing
// to out; help and usage errors go to out too, so tests see them.
func run(ctx context.Context, args []string, out io.Writer) error {
	return newApp(out).Run(ctx, append([]string{"runnerhub"}, args...))
}
