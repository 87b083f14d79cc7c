// Package templates embeds the server-rendered pages and their assets.
package templates

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"time"
)

//go:embed *.tmpl
var files embed.FS

//go:embed assets
var assets embed.FS

// Parse returns every page template. html/template escapes all values, so
// runner names and labels of any content are shown as text.
func Parse() (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(files, "*.tmpl")
}

// Assets are the stylesheet and script the pages load from /assets/.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the folder is embedded above; missing it is a build error
	}
	return sub
}

var funcs = template.FuncMap{
	// dict builds a map from key, value pairs, to pass several values to a
	// shared template such as "post-button".
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict needs key, value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	// unixTime shows a stored unix time, or "never" for 0.
	"unixTime": func(sec int64) string {
		if sec == 0 {
			return "never"
		}
		return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04:05 UTC")
	},
	// ago shows how long ago a unix time was, coarsely.
	"ago": func(sec int64) string {
		if sec == 0 {
			return "never"
		}
		d := time.Since(time.Unix(sec, 0)).Round(time.Second)
		switch {
		case d < time.Minute:
			return "just now"
		case d < time.Hour:
			return d.Truncate(time.Minute).String() + " ago"
		case d < 48*time.Hour:
			return d.Truncate(time.Hour).String() + " ago"
		}
		return time.Unix(sec, 0).UTC().Format("2006-01-02")
	},
}
