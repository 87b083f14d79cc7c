package actions

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"code.runnerhub.dev/runnerhub/modules/errs"
)

func TestCheckRunInput(t *testing.T) {
	job := func(id string, needs ...string) JobInput {
		return JobInput{JobID: id, RunsOn: []string{"ubuntu-latest"}, Needs: needs}
	}
	ok := RunInput{OwnerID: 1, RepoID: 1}
	cases := []struct {
		name string
		jobs []JobInput
		bad  bool
	}{
		{"one job", []JobInput{job("a")}, false},
		{"chain", []JobInput{job("a"), job("b", "a"), job("c", "a", "b")}, false},
		{"no jobs", nil, true},
		{"duplicate id", []JobInput{job("a"), job("a")}, true},
		{"empty id", []JobInput{job(" ")}, true},
		{"no labels", []JobInput{{JobID: "a"}}, true},
		{"unknown need", []JobInput{job("a", "zzz")}, true},
		{"needs itself", []JobInput{job("a", "a")}, true},
		{"cycle", []JobInput{job("a", "c"), job("b", "a"), job("c", "b")}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			in.Jobs = tc.jobs
			err := checkRunInput(in)
			if tc.bad {
				assert.True(t, errors.Is(err, errs.InvalidArgument), "want InvalidArgument, got %v", err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
	assert.Error(t, checkRunInput(RunInput{Jobs: []JobInput{job("a")}}), "a run belongs to a repository")
}
