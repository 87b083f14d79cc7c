package actions

import (
	"time"

	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/modules/secret"
)

// mintRuntimeToken makes the task's own token: the job's GITEA_TOKEN and
// runtime token, bound to the task (and so to its run and repository), valid
// while the task runs and never longer than the job timeout.
func mintRuntimeToken(t *actions_model.Task, now int64, timeout time.Duration) string {
	token := secret.NewToken()
	t.TokenHash = secret.Hash(token)
	t.TokenExpires = now + int64(timeout/time.Second)
	return token
}
