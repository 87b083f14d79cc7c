package identity

import (
	"fmt"

	"code.runnerhub.dev/runnerhub/options"
)

// ForSource returns the provider [accounts] SOURCE names: nil for
// "standalone" (the server then uses its own accounts), the Gitea provider
// for "gitea".
func ForSource(source string) (Provider, error) {
	switch source {
	case "", options.AccountsStandalone:
		return nil, nil
	case options.AccountsGitea:
		return NewGitea(), nil
	}
	return nil, fmt.Errorf("[accounts] SOURCE %q is not one of standalone, gitea", source)
}
