package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/modules/httpserver"
	"code.runnerhub.dev/runnerhub/options"
	"github.com/urfave/cli/v3"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Aliases:   []string{"web"},
		Usage:     "run the server: runner protocol, API, web pages and metrics",
		UsageText: "runnerhub serve [-c app.ini]",
		Description: "Migrates the database first, then listens on [server] HTTP_ADDR:HTTP_PORT\n" +
			"until SIGINT or SIGTERM, then drains requests for SHUTDOWN_TIMEOUT. SIGHUP re-reads\n" +
			"CERT_FILE and KEY_FILE under PROTOCOL = https, and is otherwise ignored.",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := unexpectedArgs(cmd); err != nil {
				return err
			}
			return serve(ctx, cmd.String("config"), cmd.Root().Writer)
		},
	}
}

func serve(ctx context.Context, cfg string, out io.Writer) error {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	slog.SetDefault(logger)

	o, x, err := setUp(ctx, cfg)
	if err != nil {
		return err
	}
	defer x.Close()

	ln, url, cert, err := httpserver.Listen(o.Server)
	if err != nil {
		return err
	}
	if o.Server.RootURL == "" {
		o.Server.RootURL = url
	}
	// Registered before serving, whatever the protocol, so a SIGHUP from
	// then on (logrotate and service managers send one) reloads what can
	// be reloaded rather than ending the process, as Go's default would.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangUp(ctx, hup, cert, logger)
	rc, err := runnerhub.ConfigFor(x, o)
	if err != nil {
		_ = ln.Close()
		return err
	}
	app, err := runnerhub.New(ctx, rc)
	if err != nil {
		_ = ln.Close()
		return err
	}
	app.Start(ctx)
	defer app.Close() // after the HTTP server has drained, before the database closes
	srv := httpserver.New(o.Server, app.Handler())
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	logger.Info("runnerhub listening", "addr", ln.Addr().String(), "protocol", o.Server.Protocol, "root_url", o.Server.RootURL, "db", o.Database.Type)
	// Tests and rhload read this line for the server's URL.
	if o.Server.Protocol == options.ProtocolHTTPUnix {
		fmt.Fprintf(out, "listening on unix:%s\n", ln.Addr())
	} else {
		fmt.Fprintf(out, "listening on %s\n", strings.TrimSuffix(url, "/"))
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", o.Server.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), o.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// reloadOnHangUp re-reads CERT_FILE and KEY_FILE on each SIGHUP until ctx
// ends; a pair that does not load is logged and the old one kept. Without
// TLS (cert nil) there is nothing to reload: the signal is logged and
// otherwise ignored.
func reloadOnHangUp(ctx context.Context, hup <-chan os.Signal, cert *httpserver.Certificate, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if cert == nil {
				logger.Info("SIGHUP ignored: nothing to reload without PROTOCOL = https")
				continue
			}
			if err := cert.Reload(); err != nil {
				logger.Error("certificate not reloaded; serving the previous one", "err", err)
				continue
			}
			logger.Info("certificate reloaded")
		}
	}
}
