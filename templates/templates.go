// Package templates embeds the server-rendered pages.
package templates

import (
	"embed"
	"html/template"
)

//go:embed *.tmpl
var files embed.FS

// Parse returns every page template. html/template escapes all values, so
// runner names and labels of any content are shown as text.
func Parse() (*template.Template, error) {
	return template.ParseFS(files, "*.tmpl")
}
