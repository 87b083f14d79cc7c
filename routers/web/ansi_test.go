package web

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/templates"
)

// segmentsText writes segments as "[class]text", to compare whole lines.
func segmentsText(segs []logSegment) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Class != "" {
			fmt.Fprintf(&b, "[%s]", s.Class)
		}
		b.WriteString(s.Text)
	}
	return b.String()
}

func TestANSISegments_ColoursAndLooks(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                        "plain text",
		"":                                  "",
		"\x1b[32mok\x1b[0m done":            "[ansi-fg-2]ok done",
		"\x1b[1;31mfail\x1b[22m still red":  "[ansi-bold ansi-fg-1]fail[ansi-fg-1] still red",
		"\x1b[94;103mbright\x1b[39;49m off": "[ansi-fg-12 ansi-bg-11]bright off",
		"\x1b[2;3;4mlook\x1b[m plain":       "[ansi-dim ansi-italic ansi-underline]look plain",
		"\x1b[7mrev\x1b[27m":                "[ansi-fg-16 ansi-bg-16]rev",
		"\x1b[38;5;9m9\x1b[38;5;196m196":    "[ansi-fg-9]9[ansi-fg-9]196",
		"\x1b[38;5;22mgreen\x1b[48;5;250mg": "[ansi-fg-2]green[ansi-fg-2 ansi-bg-7]g",
		"\x1b[38;5;232mdark":                "[ansi-fg-0]dark",
		"\x1b[38;2;255;128;0morange":        "[ansi-fg-11]orange",
		"\x1b[38:2::0:0:255mblue":           "[ansi-fg-12]blue",
		"\x1b[38;5;999mbad\x1b[38;2;1mbad":  "badbad",
		"\x1b[31m\x1b[0m":                   "",
	} {
		assert.Equal(t, want, segmentsText(ansiSegments(in)), "%q", in)
	}
}

func TestANSISegments_DropsOtherEscapesAndShowsHiddenCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"\x1b[2K\x1b[1Gprogress 50%":  "progress 50%",
		"\x1b]0;title\x07after":       "after",
		"\x1b]8;;http://x\x1b\\link":  "link",
		"\x1b(Bcharset":               "[ansi-ctl]\\x1b(Bcharset",
		"cut \x1b[31":                 "cut [ansi-ctl]\\x1b[31",
		"bell\x07 nul\x00":            "bell[ansi-ctl]\\x07 nul[ansi-ctl]\\x00",
		"abc\u202egnp.exe":            "abc[ansi-ctl]\\u202egnp.exe",
		"bad \xff byte":               "bad [ansi-ctl]\\xff byte",
		"tab\tstays":                  "tab\tstays",
		"\x1b[31mred \u200b\x1b[0mok": "[ansi-fg-1]red [ansi-ctl]\\u200bok",
		"<script>alert(1)</script>":   "<script>alert(1)</script>",
	} {
		assert.Equal(t, want, segmentsText(ansiSegments(in)), "%q", in)
	}
}

// TestLogLineTemplate_EscapesEverything renders hostile rows the way the
// job page does: the text is text, and classes come only from the converter.
func TestLogLineTemplate_EscapesEverything(t *testing.T) {
	tmpl, err := templates.Parse()
	require.NoError(t, err)
	var buf bytes.Buffer
	row := logRowView{Number: 1, Segments: ansiSegments("\x1b[31m<img src=x onerror=alert(1)>\x1b[0m\"'&</pre>")}
	require.NoError(t, tmpl.ExecuteTemplate(&buf, "log-line", row))
	out := buf.String()
	assert.NotContains(t, out, "<img")
	assert.NotContains(t, out, "</pre>")
	assert.Contains(t, out, `<span class="ansi-fg-1">&lt;img src=x onerror=alert(1)&gt;</span>`)
	assert.Contains(t, out, "&#34;&#39;&amp;&lt;/pre&gt;")
}
