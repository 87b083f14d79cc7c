// Command autoscaler is the smallest useful autoscaler for Runnerhub. It
// receives workflow_job webhooks and, for every queued job whose labels its
// runners offer, registers one ephemeral act_runner in a fresh folder and
// starts it. The runner takes one job, Runnerhub retires it, it exits, and
// its folder is removed. Swap the two commands in startRunner for "boot a
// VM" or "start a container" to get a real autoscaler.
//
//	RUNNERHUB_REGISTRATION_TOKEN=... WEBHOOK_SECRET=... \
//	  go run ./contrib/autoscaler -instance http://127.0.0.1:3000 -labels linux:host
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

type scaler struct {
	instance  string
	labels    string          // as the runners declare them, e.g. "linux:host,x64"
	names     map[string]bool // the label names jobs are matched against
	actRunner string
	workDir   string
	token     string
	secret    string
	slots     chan struct{} // bounds how many runners live at once
	running   sync.WaitGroup
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8090", "address the webhook receiver listens on")
	instance := flag.String("instance", "http://127.0.0.1:3000", "Runnerhub URL the runners register with")
	labels := flag.String("labels", "linux:host", "labels of the started runners, comma separated")
	actRunner := flag.String("act-runner", "act_runner", "act_runner (gitea-runner) binary")
	workDir := flag.String("dir", os.TempDir(), "folder for the runners' state folders")
	maxRunners := flag.Int("max", 4, "runners alive at once; further queued jobs wait for a slot")
	flag.Parse()

	s := &scaler{
		instance: *instance, labels: *labels, names: map[string]bool{},
		actRunner: *actRunner, workDir: *workDir,
		token:  os.Getenv("RUNNERHUB_REGISTRATION_TOKEN"),
		secret: os.Getenv("WEBHOOK_SECRET"),
		slots:  make(chan struct{}, max(*maxRunners, 1)),
	}
	if s.token == "" {
		fmt.Fprintln(os.Stderr, "autoscaler: set RUNNERHUB_REGISTRATION_TOKEN (from `runnerhub actions generate-runner-token`)")
		os.Exit(2)
	}
	if s.secret == "" {
		slog.Warn("WEBHOOK_SECRET is empty: deliveries are not authenticated")
	}
	for _, l := range strings.Split(*labels, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(l), ":")
		s.names[name] = true
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		slog.Error("listen", "err", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	fmt.Printf("listening on http://%s\n", ln.Addr()) // the URL to give the webhook
	slog.Info("autoscaler listening", "addr", ln.Addr().String(), "instance", *instance, "labels", *labels)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		slog.Error("listen", "err", err)
		os.Exit(1)
	}
	slog.Info("waiting for running runners to finish their jobs")
	s.running.Wait()
}

// ServeHTTP receives one webhook delivery.
func (s *scaler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST workflow_job webhooks here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	if s.secret != "" && !validSignature(body, s.secret, r.Header.Get("X-Hub-Signature-256")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.Header.Get("X-GitHub-Event") != "workflow_job" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var ev struct {
		Action      string `json:"action"`
		WorkflowJob struct {
			ID     int64    `json:"id"`
			Name   string   `json:"name"`
			Labels []string `json:"labels"`
		} `json:"workflow_job"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		http.Error(w, "not a workflow_job payload", http.StatusBadRequest)
		return
	}
	job := ev.WorkflowJob
	if ev.Action != "queued" || !s.serves(job.Labels) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	slog.Info("job queued: starting a runner", "job", job.ID, "name", job.Name, "labels", job.Labels,
		"delivery", r.Header.Get("X-GitHub-Delivery"))
	s.running.Add(1)
	go s.startRunner(job.ID)
	w.WriteHeader(http.StatusAccepted)
}

// serves reports whether the runners have every label the job asks for.
func (s *scaler) serves(labels []string) bool {
	for _, l := range labels {
		if !s.names[l] {
			return false
		}
	}
	return len(labels) > 0
}

// startRunner registers an ephemeral runner in a folder of its own and runs
// it until it has done one job. The runner takes whichever job it is given
// first, which need not be the one that started it; one runner per queued
// job keeps the count right.
func (s *scaler) startRunner(jobID int64) {
	defer s.running.Done()
	s.slots <- struct{}{}
	defer func() { <-s.slots }()
	dir, err := os.MkdirTemp(s.workDir, "runner-")
	if err != nil {
		slog.Error("runner folder", "err", err)
		return
	}
	defer os.RemoveAll(dir)
	name := fmt.Sprintf("ephemeral-%d-%d", jobID, time.Now().UnixNano()%1e6)
	log := slog.With("runner", name)
	register := exec.Command(s.actRunner, "register", "--no-interactive", "--ephemeral",
		"--instance", s.instance, "--name", name, "--labels", s.labels)
	// The token goes in the environment, not on the command line where
	// every local user could read it.
	register.Env = append(os.Environ(), "GITEA_RUNNER_REGISTRATION_TOKEN="+s.token)
	if err := s.run(register, dir, log); err != nil {
		log.Error("register failed", "err", err)
		return
	}
	start := time.Now()
	err = s.run(exec.Command(s.actRunner, "daemon"), dir, log)
	log.Info("runner exited", "after", time.Since(start).Round(time.Second).String(), "err", err)
}

func (s *scaler) run(cmd *exec.Cmd, dir string, log *slog.Logger) error {
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if len(out) > 0 {
		log.Debug("act_runner output", "cmd", cmd.Args[1], "output", string(out))
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", s.actRunner, cmd.Args[1], err, lastLine(out))
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// validSignature checks X-Hub-Signature-256 in constant time.
func validSignature(body []byte, secret, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(sig, m.Sum(nil))
}
