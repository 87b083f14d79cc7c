package giteafixture

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"xorm.io/xorm"
)

// Access modes and user types as Gitea numbers them.
const (
	ModeRead  = 1
	ModeWrite = 2
	ModeAdmin = 3
	ModeOwner = 4

	TypeUser = 0
	TypeOrg  = 1
)

// Runner is a runner Gitea registered, with the credentials its .runner file holds.
type Runner struct {
	ID              int64
	UUID, Token     string
	Name            string
	OwnerID, RepoID int64 // as Gitea stored them (a repository's runner has owner 0)
	Labels          []string
	Version         string
	Ephemeral       bool
	Deleted         bool
	Orphan          bool // its repository is gone
}

// User is a Gitea user with a personal access token.
type User struct {
	ID          int64
	Name        string
	Password    string
	AccessToken string
}

// LogLine is one line of a task's log.
type LogLine struct {
	Time    time.Time
	Content string
}

// Gitea is what Create made.
type Gitea struct {
	LogDir string // Gitea's actions_log storage folder: [actions] LEGACY_LOG_PATH

	Runners map[string]*Runner // by name
	Users   map[string]*User   // by name
	Orgs    map[string]int64   // organization ids by name
	Repos   map[string]int64   // repository ids by full name

	// Registration tokens in clear, by scope: "instance", "acme", "acme/app".
	RegistrationTokens map[string]string
	// OldRegistrationToken was replaced in Gitea (inactive).
	OldRegistrationToken string

	FinishedRunID                 int64
	FinishedTaskZst, FinishedTask int64 // their logs are in LogDir, compressed and plain
	FinishedLogZst, FinishedLog   []LogLine
	RunningRunID, RunningJobID    int64
	RunningTaskID                 int64
	RunningTaskRunner             string // name of the runner that holds it
	RunningLog                    []LogLine
	WaitingJobID, BlockedJobID    int64
	ExpiredLogTaskID              int64
	GiteaVersion                  int64
}

// Create builds Gitea's tables in x and fills them. logDir receives the
// finished logs, laid out as Gitea's actions_log storage.
func Create(t testing.TB, x *xorm.Engine) *Gitea {
	t.Helper()
	require.NoError(t, x.Sync(tables()...))
	g := &Gitea{
		LogDir:             t.TempDir(),
		Runners:            map[string]*Runner{},
		Users:              map[string]*User{},
		Orgs:               map[string]int64{},
		Repos:              map[string]int64{},
		RegistrationTokens: map[string]string{},
		GiteaVersion:       321,
	}
	f := &filler{t: t, x: x, g: g, now: time.Now().Unix()}
	f.accounts()
	f.runners()
	f.registrationTokens()
	f.finishedRuns()
	f.runningRun()
	f.other()
	return g
}

type filler struct {
	t   testing.TB
	x   *xorm.Engine
	g   *Gitea
	now int64
}

func (f *filler) insert(beans ...any) {
	f.t.Helper()
	for _, b := range beans {
		_, err := f.x.Insert(b)
		require.NoError(f.t, err)
	}
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// HashToken is how Gitea hashes runner and access tokens: PBKDF2 with
// SHA-256, 10,000 rounds, 50 bytes, hex.
func HashToken(token, salt string) string {
	k, err := pbkdf2.Key(sha256.New, token, []byte(salt), 10000, 50)
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(k)
}

// hashPassword is Gitea's default password hash, "pbkdf2$50000$50".
func hashPassword(password, salt string) string {
	k, err := pbkdf2.Key(sha256.New, password, []byte(salt), 50000, 50)
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(k)
}

func (f *filler) accounts() {
	mk := func(name string, typ int, admin bool) int64 {
		u := &user{LowerName: strings.ToLower(name), Name: name, Email: name + "@example.com", Type: typ,
			IsActive: true, IsAdmin: admin, CreatedUnix: f.now, UpdatedUnix: f.now, PasswdHashAlgo: "pbkdf2$50000$50"}
		var pw string
		if typ == TypeUser {
			pw = "pw-" + name
			u.Salt = randomHex(f.t, 5)
			u.Passwd = hashPassword(pw, u.Salt)
		}
		f.insert(u)
		if typ == TypeOrg {
			f.g.Orgs[name] = u.ID
		} else {
			f.g.Users[name] = &User{ID: u.ID, Name: name, Password: pw}
		}
		return u.ID
	}
	mk("root", TypeUser, true)
	alice := mk("alice", TypeUser, false)
	bob := mk("bob", TypeUser, false)
	carol := mk("carol", TypeUser, false)
	acme := mk("acme", TypeOrg, false)
	other := mk("other", TypeOrg, false)

	repo := func(ownerID int64, owner, name string) int64 {
		r := &repository{OwnerID: ownerID, OwnerName: owner, LowerName: strings.ToLower(name), Name: name, CreatedUnix: f.now}
		f.insert(r)
		f.g.Repos[owner+"/"+name] = r.ID
		return r.ID
	}
	app := repo(acme, "acme", "app")
	repo(other, "other", "lib")
	repo(alice, "alice", "tools")

	team := func(orgID int64, name string, mode int, members ...int64) {
		tm := &team{OrgID: orgID, LowerName: strings.ToLower(name), Name: name, Authorize: mode}
		f.insert(tm)
		for _, m := range members {
			f.insert(&teamUser{OrgID: orgID, TeamID: tm.ID, UID: m})
		}
	}
	team(acme, "Owners", ModeOwner, alice)
	team(acme, "Developers", ModeWrite, bob)
	team(other, "Owners", ModeOwner, carol)
	f.insert(&access{UserID: alice, RepoID: app, Mode: ModeOwner}, &access{UserID: bob, RepoID: app, Mode: ModeWrite},
		&collaboration{RepoID: app, UserID: carol, Mode: ModeRead}, &access{UserID: carol, RepoID: app, Mode: ModeRead})

	for name, scope := range map[string]string{"root": "all", "alice": "all", "bob": "write:repository,write:organization", "carol": "read:repository"} {
		u := f.g.Users[name]
		tok := randomHex(f.t, 20)
		salt := randomHex(f.t, 5)
		f.insert(&accessToken{UID: u.ID, Name: "cli", TokenHash: HashToken(tok, salt), TokenSalt: salt,
			TokenLastEight: tok[len(tok)-8:], Scope: scope, CreatedUnix: f.now, UpdatedUnix: f.now})
		u.AccessToken = tok
	}
}

func (f *filler) runners() {
	acme, other := f.g.Orgs["acme"], f.g.Orgs["other"]
	app := f.g.Repos["acme/app"]
	for _, r := range []*Runner{
		{Name: "global-1", Labels: []string{"ubuntu-latest:docker://node:20-bookworm", "self-hosted"}},
		{Name: "acme-1", OwnerID: acme, Labels: []string{"ubuntu-latest:docker://node:20-bookworm"}},
		{Name: "app-1", RepoID: app, Labels: []string{"linux:host"}}, // Gitea ≥ 1.24 keeps owner 0 for a repository's runner
		{Name: "alice-1", OwnerID: f.g.Users["alice"].ID, Labels: []string{"macos:host"}},
		{Name: "other-1", OwnerID: other, Labels: []string{"ubuntu-latest:docker://node:20-bookworm"}},
		{Name: "eph-1", OwnerID: acme, Labels: []string{"ubuntu-latest:docker://node:20-bookworm"}, Ephemeral: true},
		{Name: "gone-1", OwnerID: acme, Labels: []string{"old"}, Deleted: true},
		{Name: "orphan-1", RepoID: 9999, Labels: []string{"old"}, Orphan: true},
	} {
		r.UUID = uuidLike(f.t)
		r.Token = randomHex(f.t, 20)
		r.Version = "v0.2.11"
		salt := randomHex(f.t, 5)
		labels, _ := json.Marshal(r.Labels)
		row := &actionRunner{UUID: r.UUID, Name: r.Name, Version: r.Version, OwnerID: r.OwnerID, RepoID: r.RepoID,
			TokenHash: HashToken(r.Token, salt), TokenSalt: salt, AgentLabels: string(labels), Ephemeral: r.Ephemeral,
			LastOnline: f.now - 30, LastActive: f.now - 30, Created: f.now - 3600, Updated: f.now - 30}
		if r.Deleted {
			row.Deleted = f.now - 60
		}
		f.insert(row)
		r.ID = row.ID
		f.g.Runners[r.Name] = r
	}
}

func uuidLike(t testing.TB) string {
	h := randomHex(t, 16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (f *filler) registrationTokens() {
	add := func(scope string, ownerID, repoID int64, active bool) string {
		tok := randomHex(f.t, 20)
		f.insert(&actionRunnerToken{Token: tok, OwnerID: ownerID, RepoID: repoID, IsActive: active, Created: f.now - 600, Updated: f.now - 600})
		return tok
	}
	f.g.OldRegistrationToken = add("instance", 0, 0, false)
	f.g.RegistrationTokens["instance"] = add("instance", 0, 0, true)
	f.g.RegistrationTokens["acme"] = add("acme", f.g.Orgs["acme"], 0, true)
	f.g.RegistrationTokens["acme/app"] = add("acme/app", 0, f.g.Repos["acme/app"], true)
}

func workflowPayload(jobID, runsOn, extra string) []byte {
	return []byte("name: ci\non: push\njobs:\n  " + jobID + ":\n    runs-on: " + runsOn + "\n" + extra + "    steps:\n      - run: echo hi\n")
}

func makeLog(prefix string, n int, start time.Time) []LogLine {
	lines := make([]LogLine, n)
	for i := range lines {
		lines[i] = LogLine{Time: start.Add(time.Duration(i) * 1500 * time.Millisecond).UTC(), Content: fmt.Sprintf("%s line %d: ok", prefix, i)}
	}
	return lines
}

// formatLog writes lines as Gitea's log files hold them.
func formatLog(lines []LogLine) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l.Time.UTC().Format("2006-01-02T15:04:05.0000000Z07:00") + " " + l.Content + "\n")
	}
	return b.Bytes()
}

// writeZstdSeekable compresses data as Gitea does: zstd frames followed by
// a skippable frame holding the seek table, which plain readers skip.
func writeZstdSeekable(t testing.TB, path string, data []byte) {
	var out bytes.Buffer
	enc, err := zstd.NewWriter(&out)
	require.NoError(t, err)
	for len(data) > 0 { // one frame per block of 64 bytes, so the file has several
		n := min(64, len(data))
		out.Write(enc.EncodeAll(data[:n], nil))
		data = data[n:]
	}
	require.NoError(t, enc.Close())
	seekTable := make([]byte, 9)
	seekTable[8] = 0x80                             // seek table descriptor
	binary.LittleEndian.PutUint32(seekTable[0:], 0) // number of frames left out: readers skip the frame anyway
	var frame bytes.Buffer
	_ = binary.Write(&frame, binary.LittleEndian, uint32(0x184D2A5E))
	_ = binary.Write(&frame, binary.LittleEndian, uint32(len(seekTable)))
	frame.Write(seekTable)
	out.Write(frame.Bytes())
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
}

func logFilename(repo string, taskID int64, zst bool) string {
	name := repo + "/" + fmt.Sprintf("%02x", taskID%256) + "/" + strconv.FormatInt(taskID, 10) + ".log"
	if zst {
		name += ".zst"
	}
	return name
}

func (f *filler) finishedRuns() {
	acme, app := f.g.Orgs["acme"], f.g.Repos["acme/app"]
	run := &actionRun{Title: "finished", RepoID: app, OwnerID: acme, WorkflowID: "ci.yml", Index: 1, TriggerUserID: f.g.Users["bob"].ID,
		Ref: "refs/heads/main", CommitSHA: strings.Repeat("a", 40), Event: "push", EventPayload: `{"ref":"refs/heads/main"}`,
		TriggerEvent: "push", Status: 1, Started: f.now - 900, Stopped: f.now - 800, Created: f.now - 1000, Updated: f.now - 800}
	f.insert(run)
	f.g.FinishedRunID = run.ID
	runner := f.g.Runners["global-1"]
	for i, zst := range []bool{true, false} {
		job := &actionRunJob{RunID: run.ID, RepoID: app, OwnerID: acme, CommitSHA: run.CommitSHA, Name: "build-" + strconv.Itoa(i),
			Attempt: 1, JobID: "build" + strconv.Itoa(i), Needs: "[]", RunsOn: `["ubuntu-latest"]`, Status: 1,
			WorkflowPayload: workflowPayload("build"+strconv.Itoa(i), "ubuntu-latest", ""),
			Started:         f.now - 900, Stopped: f.now - 800, Created: f.now - 1000, Updated: f.now - 800}
		f.insert(job)
		salt := randomHex(f.t, 5)
		task := &actionTask{JobID: job.ID, Attempt: 1, RunnerID: runner.ID, Status: 1, Started: f.now - 900, Stopped: f.now - 800,
			RepoID: app, OwnerID: acme, CommitSHA: run.CommitSHA, TokenHash: HashToken(randomHex(f.t, 20), salt), TokenSalt: salt,
			TokenLastEight: randomHex(f.t, 4), LogInStorage: true, Created: f.now - 900, Updated: f.now - 800}
		f.insert(task)
		lines := makeLog("finished-"+strconv.Itoa(i), 40+i, time.Unix(f.now-900, 0))
		task.LogFilename = logFilename("acme/app", task.ID, zst)
		task.LogLength, task.LogSize = int64(len(lines)), int64(len(formatLog(lines)))
		_, err := f.x.ID(task.ID).Cols("log_filename", "log_length", "log_size").Update(task)
		require.NoError(f.t, err)
		path := filepath.Join(f.g.LogDir, filepath.FromSlash(task.LogFilename))
		if zst {
			writeZstdSeekable(f.t, path, formatLog(lines))
			f.g.FinishedTaskZst, f.g.FinishedLogZst = task.ID, lines
		} else {
			require.NoError(f.t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(f.t, os.WriteFile(path, formatLog(lines), 0o644))
			f.g.FinishedTask, f.g.FinishedLog = task.ID, lines
		}
		job.TaskID = task.ID
		_, err = f.x.ID(job.ID).Cols("task_id").Update(job)
		require.NoError(f.t, err)
		f.insert(&actionTaskStep{Name: "Set up job", TaskID: task.ID, Index: 0, RepoID: app, Status: 1, LogIndex: 0, LogLength: 5, Started: f.now - 900, Stopped: f.now - 890},
			&actionTaskStep{Name: "Run echo hi", TaskID: task.ID, Index: 1, RepoID: app, Status: 1, LogIndex: 5, LogLength: int64(len(lines)) - 5, Started: f.now - 890, Stopped: f.now - 800},
			&actionTaskOutput{TaskID: task.ID, OutputKey: "artifact", OutputValue: "build-" + strconv.Itoa(i) + ".tar"})
	}
	// A task whose log Gitea already deleted as too old.
	job := &actionRunJob{RunID: run.ID, RepoID: app, OwnerID: acme, Name: "ancient", Attempt: 1, JobID: "ancient", Needs: "[]", RunsOn: `["ubuntu-latest"]`,
		Status: 1, WorkflowPayload: workflowPayload("ancient", "ubuntu-latest", ""), Created: f.now - 1000, Updated: f.now - 800}
	f.insert(job)
	salt := randomHex(f.t, 5)
	task := &actionTask{JobID: job.ID, Attempt: 1, RunnerID: runner.ID, Status: 1, RepoID: app, OwnerID: acme,
		TokenHash: HashToken(randomHex(f.t, 20), salt), TokenSalt: salt, LogInStorage: true, LogExpired: true,
		LogFilename: "acme/app/ff/expired.log.zst", LogLength: 10, Created: f.now - 900, Updated: f.now - 800}
	f.insert(task)
	f.g.ExpiredLogTaskID = task.ID
}

func (f *filler) runningRun() {
	acme, app := f.g.Orgs["acme"], f.g.Repos["acme/app"]
	run := &actionRun{Title: "running", RepoID: app, OwnerID: acme, WorkflowID: "ci.yml", Index: 2, Ref: "refs/heads/main",
		CommitSHA: strings.Repeat("b", 40), Event: "push", EventPayload: `{}`, TriggerEvent: "push", Status: 6,
		Started: f.now - 120, Created: f.now - 130, Updated: f.now - 60}
	f.insert(run)
	f.g.RunningRunID = run.ID
	runner := f.g.Runners["acme-1"]
	job := &actionRunJob{RunID: run.ID, RepoID: app, OwnerID: acme, CommitSHA: run.CommitSHA, Name: "test", Attempt: 1,
		JobID: "test", Needs: "[]", RunsOn: `["ubuntu-latest"]`, Status: 6, WorkflowPayload: workflowPayload("test", "ubuntu-latest", ""),
		Started: f.now - 120, Created: f.now - 130, Updated: f.now - 60}
	f.insert(job)
	salt := randomHex(f.t, 5)
	task := &actionTask{JobID: job.ID, Attempt: 1, RunnerID: runner.ID, Status: 6, Started: f.now - 120, RepoID: app, OwnerID: acme,
		CommitSHA: run.CommitSHA, TokenHash: HashToken(randomHex(f.t, 20), salt), TokenSalt: salt, TokenLastEight: randomHex(f.t, 4),
		Created: f.now - 120, Updated: f.now - 60}
	f.insert(task)
	task.LogFilename = logFilename("acme/app", task.ID, true) // named .zst, but dbfs holds it plain
	lines := makeLog("running", 70, time.Unix(f.now-120, 0))
	data := formatLog(lines)
	task.LogLength, task.LogSize = int64(len(lines)), int64(len(data))
	_, err := f.x.ID(task.ID).Cols("log_filename", "log_length", "log_size").Update(task)
	require.NoError(f.t, err)
	job.TaskID = task.ID
	_, err = f.x.ID(job.ID).Cols("task_id").Update(job)
	require.NoError(f.t, err)
	f.writeDBFS("actions_log/"+task.LogFilename, data)
	f.g.RunningRunID, f.g.RunningJobID, f.g.RunningTaskID, f.g.RunningTaskRunner, f.g.RunningLog = run.ID, job.ID, task.ID, runner.Name, lines
	f.insert(&actionTaskStep{Name: "Run echo hi", TaskID: task.ID, Index: 0, RepoID: app, Status: 6, Started: f.now - 110})

	waiting := &actionRunJob{RunID: run.ID, RepoID: app, OwnerID: acme, CommitSHA: run.CommitSHA, Name: "lint", Attempt: 1,
		JobID: "lint", Needs: "[]", RunsOn: `["linux"]`, Status: 5, WorkflowPayload: workflowPayload("lint", "linux", ""),
		Created: f.now - 130, Updated: f.now - 100}
	blocked := &actionRunJob{RunID: run.ID, RepoID: app, OwnerID: acme, CommitSHA: run.CommitSHA, Name: "report", Attempt: 1,
		JobID: "report", Needs: `["test"]`, RunsOn: `["ubuntu-latest"]`, Status: 7,
		WorkflowPayload: workflowPayload("report", "ubuntu-latest", "    needs: test\n    if: ${{ always() }}\n"),
		Created:         f.now - 130, Updated: f.now - 130}
	f.insert(waiting, blocked)
	f.g.WaitingJobID, f.g.BlockedJobID = waiting.ID, blocked.ID
	f.insert(&actionTasksVersion{OwnerID: 0, RepoID: 0, Version: 41, Created: f.now, Updated: f.now},
		&actionTasksVersion{OwnerID: acme, RepoID: 0, Version: 17, Created: f.now, Updated: f.now},
		&actionTasksVersion{OwnerID: 0, RepoID: app, Version: 9, Created: f.now, Updated: f.now})
}

// writeDBFS stores data as Gitea's dbfs does: the path prefixed with its
// count of slashes, blocks of 32 KiB (here 256 bytes, so the log spans several).
func (f *filler) writeDBFS(name string, data []byte) {
	const block = 256
	meta := &dbfsMeta{FullPath: strconv.Itoa(strings.Count(name, "/")) + ":" + name, BlockSize: block, FileSize: int64(len(data)),
		CreateTimestamp: time.Now().UnixMicro(), ModifyTimestamp: time.Now().UnixMicro()}
	f.insert(meta)
	for off := 0; off < len(data); off += block {
		part := data[off:min(off+block, len(data))]
		f.insert(&dbfsData{Revision: 1, MetaID: meta.ID, BlobOffset: int64(off), BlobSize: int64(len(part)), BlobData: part})
	}
}

func (f *filler) other() {
	app := f.g.Repos["acme/app"]
	f.insert(&version{Version: f.g.GiteaVersion},
		&webhook{RepoID: app, URL: "https://ci.example.com/hook", HTTPMethod: "POST", ContentType: 1, Secret: "gitea-secret",
			Events: `{"push_only":false,"send_everything":true}`, IsActive: true, Type: "gitea", CreatedUnix: f.now, UpdatedUnix: f.now},
		&hookTask{HookID: 1, UUID: uuidLike(f.t), PayloadContent: `{}`, EventType: "push", IsDelivered: true, Delivered: f.now},
		&actionVariable{OwnerID: f.g.Orgs["acme"], Name: "REGION", Data: "eu"})
}
