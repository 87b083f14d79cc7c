// Command host is a small Gitea-like host that embeds Runnerhub: its own
// users, organizations, repositories, tokens and sign-in in its own tables,
// Runnerhub's runner protocol, REST API and settings pages mounted on its
// mux, and runs queued from its own (simulated) push events.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"code.runnerhub.dev/runnerhub/options"
)

func main() {
	dbPath := flag.String("db", "host.db", "the SQLite file the host and Runnerhub share")
	addr := flag.String("addr", "127.0.0.1:3001", "address to listen on")
	rootURL := flag.String("root-url", "", "where runners and webhook readers reach the host (default http://<addr>/)")
	flag.Parse()
	if err := run(*dbPath, *addr, *rootURL); err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(1)
	}
}

func run(dbPath, addr, rootURL string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	x, err := openSQLite(dbPath)
	if err != nil {
		return err
	}
	defer x.Close()

	o := options.Default()
	o.Server.RootURL = strings.TrimSuffix(cmp.Or(rootURL, "http://"+addr), "/") + "/"
	if o.Security.SecretKey, err = secretKey(dbPath + ".key"); err != nil {
		return err
	}
	h, err := NewHost(ctx, x, HostOptions{Runnerhub: o})
	if err != nil {
		return err
	}
	if err := seedDemo(ctx, h.Accounts(), os.Stdout); err != nil {
		return err
	}
	h.Start(ctx)
	defer h.Close() // after the listener stopped: deliveries under way finish

	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	fmt.Println("host: serving on", o.Server.RootURL)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), o.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
