package runnerhub_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"xorm.io/xorm"

	runnerhub "code.runnerhub.dev/runnerhub"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/modules/errs"
	"code.runnerhub.dev/runnerhub/options"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// openDatabase opens a SQLite file in a fresh folder. A host uses its own
// engine; db.Open sets the SQLite options Runnerhub's concurrency relies on
// (WAL, a busy timeout, writers taking the lock at BEGIN).
func openDatabase() (*xorm.Engine, func()) {
	dir, err := os.MkdirTemp("", "runnerhub-example-")
	if err != nil {
		log.Fatal(err)
	}
	o := options.Default().Database
	o.Path = filepath.Join(dir, "host.db")
	x, err := db.Open(o)
	if err != nil {
		log.Fatal(err)
	}
	return x, func() { _ = x.Close(); _ = os.RemoveAll(dir) }
}

// settings are what every example passes: where runners reach the server,
// and the key that seals stored secrets.
func settings(rootURL string) *options.Options {
	o := options.Default()
	o.Server.RootURL = rootURL
	o.Security.SecretKey = "a long random secret shared by every process"
	return o
}

// A host migrates Runnerhub's tables, builds the server and serves it.
func ExampleNew() {
	x, done := openDatabase()
	defer done()
	ctx := context.Background()

	cfg := runnerhub.Config{Engine: x, Options: settings("https://forge.example.com/")}
	if err := runnerhub.Migrate(ctx, cfg); err != nil {
		log.Fatal(err)
	}
	srv, err := runnerhub.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	srv.Start(ctx) // maintenance and webhook deliveries
	defer srv.Close()

	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	res, err := http.Get(ts.URL + "/api/v1/version")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, strings.TrimSpace(string(body)))
	// Output: 200 {"version":"1.24.0+runnerhub"}
}

// Each handler can be mounted alone on the host's own mux, at the paths
// act_runner and API clients know; the host keeps every other route.
func ExampleServer_RunnerHandler() {
	x, done := openDatabase()
	defer done()
	ctx := context.Background()
	cfg := runnerhub.Config{Engine: x, Options: settings("https://forge.example.com/")}
	if err := runnerhub.Migrate(ctx, cfg); err != nil {
		log.Fatal(err)
	}
	srv, err := runnerhub.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.Handle(runnerhub.RunnerPrefix+"/", srv.RunnerHandler()) // act_runner's RPCs
	mux.Handle(runnerhub.APIPrefix+"/", srv.APIHandler())       // REST
	mux.Handle("/-/admin/", srv.WebHandler())                   // the instance's settings pages
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "the host's own page") })

	ts := httptest.NewServer(mux)
	defer ts.Close()
	for _, call := range []struct{ method, path string }{
		{"POST", "/api/actions/ping.v1.PingService/Ping"}, {"GET", "/api/v1/version"}, {"GET", "/"},
	} {
		req, _ := http.NewRequest(call.method, ts.URL+call.path, strings.NewReader(`{"data":"hi"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%s %d %s\n", call.path, res.StatusCode, strings.TrimSpace(string(body)))
	}
	// Output:
	// /api/actions/ping.v1.PingService/Ping 200 {"data":"Hello, hi!"}
	// /api/v1/version 200 {"version":"1.24.0+runnerhub"}
	// / 200 the host's own page
}

// A host brings its own accounts by implementing identity.Provider over its
// own tables; here, a fixed set kept in memory. Runnerhub then creates none
// of its standalone account tables.
func Example_identityProvider() {
	x, done := openDatabase()
	defer done()
	ctx := context.Background()
	accounts := newHostAccounts()
	cfg := runnerhub.Config{Engine: x, Identity: accounts, Options: settings("https://forge.example.com/")}
	if err := runnerhub.Migrate(ctx, cfg); err != nil {
		log.Fatal(err)
	}
	srv, err := runnerhub.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	// The host's user "ada" administers acme/app; "bob" may not even read it,
	// so to him it does not exist.
	for _, token := range []string{"ada-token", "bob-token"} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/repos/acme/app/actions/runners/registration-token", nil)
		req.Header.Set("Authorization", "token "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
		fmt.Println(token, res.StatusCode)
	}
	hasUserTable, _ := x.IsTableExist("user")
	fmt.Println("standalone user table:", hasUserTable)
	// Output:
	// ada-token 200
	// bob-token 404
	// standalone user table: false
}

// The host queues a run from its own event, such as a push; runners polling
// for the labels it names are woken at once.
func ExampleServer_QueueRun() {
	x, done := openDatabase()
	defer done()
	ctx := context.Background()
	cfg := runnerhub.Config{Engine: x, Identity: newHostAccounts(), Options: settings("https://forge.example.com/")}
	if err := runnerhub.Migrate(ctx, cfg); err != nil {
		log.Fatal(err)
	}
	srv, err := runnerhub.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	workflow := `
name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: make
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: make test
`
	run, jobs, err := srv.QueueRun(ctx, runnerhub.RunRequest{
		OwnerID: 1, RepoID: 10, // acme/app in the host's tables
		Workflow: []byte(workflow), WorkflowID: "ci.yml",
		Ref: "refs/heads/main", CommitSHA: strings.Repeat("ab", 20), Event: "push",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("run", run.WorkflowID, run.Event)
	for _, j := range jobs {
		fmt.Println(j.JobID, j.Status)
	}
	// Output:
	// run ci.yml push
	// build waiting
	// test blocked
}

// hostAccounts is a host's identity.Provider: one organization "acme" with
// a repository "app", an admin of it and another user.
type hostAccounts struct {
	users map[int64]*identity.User
	owner *identity.Owner
	repo  *identity.Repo
}

func newHostAccounts() *hostAccounts {
	acme := &identity.Owner{ID: 1, Name: "acme", IsOrg: true}
	return &hostAccounts{
		users: map[int64]*identity.User{2: {ID: 2, Name: "ada"}, 3: {ID: 3, Name: "bob"}},
		owner: acme,
		repo:  &identity.Repo{ID: 10, Name: "app", Owner: acme},
	}
}

var notFound = fmt.Errorf("%w: no such thing", errs.NotFound)

func (h *hostAccounts) UserByAccessToken(_ context.Context, token string) (*identity.User, error) {
	// A real host looks up the hash of the token in its own table.
	for _, u := range h.users {
		if token == u.Name+"-token" {
			return u, nil
		}
	}
	return nil, fmt.Errorf("%w: unknown token", errs.Unauthenticated)
}

func (h *hostAccounts) UserByPassword(context.Context, string, string) (*identity.User, error) {
	return nil, fmt.Errorf("%w: use an access token", errs.Unauthenticated)
}

func (h *hostAccounts) GetUserByID(_ context.Context, id int64) (*identity.User, error) {
	if u, ok := h.users[id]; ok {
		return u, nil
	}
	return nil, notFound
}

func (h *hostAccounts) GetOwnerByName(_ context.Context, name string) (*identity.Owner, error) {
	if name == h.owner.Name {
		return h.owner, nil
	}
	for _, u := range h.users {
		if u.Name == name {
			return &identity.Owner{ID: u.ID, Name: u.Name}, nil
		}
	}
	return nil, notFound
}

func (h *hostAccounts) GetOwnerByID(_ context.Context, id int64) (*identity.Owner, error) {
	if id == h.owner.ID {
		return h.owner, nil
	}
	if u, ok := h.users[id]; ok {
		return &identity.Owner{ID: u.ID, Name: u.Name}, nil
	}
	return nil, notFound
}

func (h *hostAccounts) GetRepoByName(_ context.Context, o *identity.Owner, name string) (*identity.Repo, error) {
	if o.ID == h.owner.ID && name == h.repo.Name {
		return h.repo, nil
	}
	return nil, notFound
}

func (h *hostAccounts) GetRepoByID(_ context.Context, id int64) (*identity.Repo, error) {
	if id == h.repo.ID {
		return h.repo, nil
	}
	return nil, notFound
}

func (h *hostAccounts) IsOrgOwner(context.Context, int64, int64) (bool, error) { return false, nil }

func (h *hostAccounts) RepoAccess(_ context.Context, repoID, userID int64) (identity.AccessMode, error) {
	if repoID == h.repo.ID && userID == 2 { // ada
		return identity.AccessAdmin, nil
	}
	return identity.AccessNone, nil
}

func (h *hostAccounts) OrgsOwnedBy(context.Context, int64) ([]*identity.Owner, error) {
	return nil, nil
}

func (h *hostAccounts) ReposAdministeredBy(_ context.Context, userID int64) ([]*identity.Repo, error) {
	if userID == 2 {
		return []*identity.Repo{h.repo}, nil
	}
	return nil, nil
}

func (h *hostAccounts) ReposOf(_ context.Context, ownerID int64) ([]*identity.Repo, error) {
	if ownerID == h.owner.ID {
		return []*identity.Repo{h.repo}, nil
	}
	return nil, nil
}
