package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// conditionalWriter carries a GET request's If-None-Match to WriteJSON, so
// that every JSON answer to a GET gets an ETag and a client that has it
// already gets 304 Not Modified, without each handler taking part. The
// ETag is the hash of the body: the same answer has the same tag whoever
// asks and whichever server of several answers.
type conditionalWriter struct {
	http.ResponseWriter
	ifNoneMatch string
}

// Unwrap lets http.ResponseController reach the real writer (to flush a log).
func (c *conditionalWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// conditional wraps w for a GET request; other methods write as they are.
func conditional(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if r.Method != http.MethodGet {
		return w
	}
	return &conditionalWriter{ResponseWriter: w, ifNoneMatch: r.Header.Get("If-None-Match")}
}

// notModified sets the ETag of a 200 answer with body and reports whether
// the client's copy is current; then only 304 is to be sent.
func notModified(w http.ResponseWriter, status int, body []byte) bool {
	c, ok := w.(*conditionalWriter)
	if !ok || status != http.StatusOK {
		return false
	}
	sum := sha256.Sum256(body)
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", tag)
	return etagMatches(c.ifNoneMatch, tag)
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 §13.1.2):
// any listed tag equal to tag, W/ or not, or "*".
func etagMatches(ifNoneMatch, tag string) bool {
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}
