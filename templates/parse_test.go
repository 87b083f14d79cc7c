package templates

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse_EscapesRunnerData renders the runners page with hostile names and
// labels: all seven places they appear must show them as text, never as markup.
func TestParse_EscapesRunnerData(t *testing.T) {
	tmpl, err := Parse()
	require.NoError(t, err)
	evil := `<script>alert("x")</script>`
	var buf bytes.Buffer
	err = tmpl.ExecuteTemplate(&buf, "runners", map[string]any{
		"Title": "Runners", "CSRF": "c", "BaseURL": "/-/admin/actions/runners", "ScopeName": evil,
		"DefaultToken": "tok", "InstanceURL": "http://x/",
		"Runners": []map[string]any{{"ID": 1, "Name": evil, "Status": "online", "Labels": []string{evil + ":docker://x"}, "Version": evil, "CurrentJob": evil, "LastOnline": int64(0)}},
		"Tokens":  []map[string]any{{"ID": 2, "Name": evil, "Description": evil, "State": "active", "StateClass": "active", "ExpiresUnix": int64(0), "Created": int64(0)}},
	})
	require.NoError(t, err)
	out := buf.String()
	assert.NotContains(t, out, evil)
	assert.Equal(t, 7, strings.Count(out, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"), out)
}

func TestAssets_AreEmbedded(t *testing.T) {
	for _, name := range []string{"style.css", "app.js"} {
		f, err := Assets().Open(name)
		require.NoError(t, err, name)
		f.Close()
	}
}
