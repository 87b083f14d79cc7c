package migrations

import (
	"fmt"

	"xorm.io/xorm"
)

// v0010AddScopedClaimIndexes lets owner and repository runners claim with a
// seek too. The claim of such a runner asks for waiting jobs of one label
// set in its owner or repository, oldest first; on (status, label_key, id)
// alone that walks the other owners' waiting jobs of the set, on the
// owner_id or repo_id index alone the scope's whole job history.
func v0010AddScopedClaimIndexes(x *xorm.Engine) error {
	for _, stmt := range []string{
		"CREATE INDEX idx_action_run_job_claim_owner ON action_run_job (status, label_key, owner_id, id)",
		"CREATE INDEX idx_action_run_job_claim_repo ON action_run_job (status, label_key, repo_id, id)",
	} {
		if _, err := x.Exec(stmt); err != nil {
			return fmt.Errorf("create scoped claim index: %w", err)
		}
	}
	return nil
}
