// Package webhooktest is a webhook receiver for tests: it records every
// delivery and answers with the status the test picks.
package webhooktest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Delivery is one request the receiver got.
type Delivery struct {
	Header  http.Header
	Body    []byte // as sent
	Payload []byte // the JSON event, also when it came as a form
	Action  string
	JobID   int64
	Attempt int // how often this delivery id arrived, this time included
	Status  int // what the receiver answered
}

// ID is the delivery's X-GitHub-Delivery.
func (d Delivery) ID() string { return d.Header.Get("X-GitHub-Delivery") }

// Receiver is an HTTP endpoint on loopback.
type Receiver struct {
	*httptest.Server
	answer func(d Delivery) int
	t      testing.TB

	mu       sync.Mutex
	got      []Delivery
	attempts map[string]int
}

// New starts a receiver; answer picks the status for each delivery (0 or a
// nil answer means 200).
func New(t testing.TB, answer func(d Delivery) int) *Receiver {
	r := &Receiver{answer: answer, t: t, attempts: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	d := Delivery{Header: req.Header.Clone(), Body: body, Payload: body}
	if err == nil && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		var v url.Values
		v, err = url.ParseQuery(string(body))
		d.Payload = []byte(v.Get("payload"))
	}
	var p struct {
		Action      string
		WorkflowJob struct{ ID int64 } `json:"workflow_job"`
	}
	if err == nil {
		err = json.Unmarshal(d.Payload, &p)
	}
	if err != nil {
		// A delivery the receiver cannot read is a failure of the sender.
		r.t.Errorf("webhook receiver: unreadable delivery %q: %v", body, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.Action, d.JobID = p.Action, p.WorkflowJob.ID

	r.mu.Lock()
	r.attempts[d.ID()]++
	d.Attempt = r.attempts[d.ID()]
	r.mu.Unlock()
	d.Status = http.StatusOK
	if r.answer != nil {
		if s := r.answer(d); s != 0 {
			d.Status = s
		}
	}
	r.mu.Lock()
	r.got = append(r.got, d)
	r.mu.Unlock()
	w.WriteHeader(d.Status)
	_, _ = w.Write([]byte("thanks " + d.Action))
}

// Deliveries returns what arrived so far, in arrival order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Accepted returns the deliveries answered with 2xx, in arrival order.
func (r *Receiver) Accepted() []Delivery {
	var out []Delivery
	for _, d := range r.Deliveries() {
		if d.Status >= 200 && d.Status < 300 {
			out = append(out, d)
		}
	}
	return out
}

// Actions lists the actions of ds, in order.
func Actions(ds []Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Action
	}
	return out
}

// OfJob keeps the deliveries about one job.
func OfJob(ds []Delivery, jobID int64) []Delivery {
	var out []Delivery
	for _, d := range ds {
		if d.JobID == jobID {
			out = append(out, d)
		}
	}
	return out
}
