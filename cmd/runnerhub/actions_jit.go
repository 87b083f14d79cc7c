package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	actions_service "code.runnerhub.dev/runnerhub/services/actions"
	"code.runnerhub.dev/runnerhub/services/identity"
)

// `runnerhub actions runners generate-jitconfig`: a JIT runner made by the
// operator, who manages every scope, as the REST call makes one.

func runnersGenerateJITCommand() *cli.Command {
	return actionsLeaf("runners generate-jitconfig",
		"make an ephemeral runner and print its JIT config (act_runner's .runner file, base64) for one job",
		"--name N --labels L1,L2 [--group G]", runnersGenerateJIT,
		&cli.StringFlag{Name: "name", Usage: "the runner's name", Required: true},
		&cli.StringFlag{Name: "labels", Usage: "its labels, comma-separated, each with its optional :scheme (e.g. linux:host)", Required: true},
		&cli.StringFlag{Name: "group", Usage: "the runner group's name (org and instance scopes; default: the scope's default group)"})
}

// jitView is the JIT config as the CLI prints it with --output json:
// GitHub's answer, with the runner as the CLI shows runners.
type jitView struct {
	Runner           runnerView `json:"runner"`
	RunnerGroup      string     `json:"runner_group,omitempty"`
	EncodedJITConfig string     `json:"encoded_jit_config"`
}

func runnersGenerateJIT(ctx context.Context, svc *actions_service.Service, sc identity.Scope, cmd *cli.Command, p printer) error {
	req := actions_service.JITConfigRequest{Name: cmd.String("name"), Labels: splitLabels(cmd.String("labels"))}
	if name := cmd.String("group"); name != "" {
		g, err := svc.GetRunnerGroupByName(ctx, sc, name)
		if err != nil {
			return err
		}
		req.RunnerGroupID = g.ID
	}
	ctx = actions_service.WithActor(ctx, actions_service.Actor{Name: identity.Operator.Name})
	cfg, err := svc.GenerateJITConfig(ctx, identity.Operator, sc, req)
	if err != nil {
		return err
	}
	if !p.json { // the config alone, for a script to hand to the runner's start
		_, err := fmt.Fprintln(p.out, cfg.EncodedConfig)
		return err
	}
	v := jitView{Runner: viewRunner(&actions_service.RunnerInfo{Runner: cfg.Runner, Group: cfg.Group}, sc), EncodedJITConfig: cfg.EncodedConfig}
	if cfg.Group != nil {
		v.RunnerGroup = cfg.Group.Name
	}
	return p.print(v, "", func(io.Writer) {})
}

// splitLabels reads a comma-separated list, dropping the blanks around
// each label; an empty list is left for the service to refuse.
func splitLabels(s string) []string {
	var out []string
	for _, l := range strings.Split(s, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
