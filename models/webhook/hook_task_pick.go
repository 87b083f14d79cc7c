package webhook

import (
	"context"
	"fmt"
	"strings"

	"code.runnerhub.dev/runnerhub/models/db"
)

// Picking the next deliveries. A receiver that is slow or dead must delay
// only its own webhook, however many deliveries wait for it, so the workers
// never read the backlog in one global order. They read it per webhook, on
// idx_action_hook_task_pending_hook (status, hook_id, id):
//
//   - FindHooksWithPending skips along the index from one webhook with
//     pending deliveries to the next: one seek per webhook, whatever the
//     number of deliveries behind each;
//   - FindDueHookTasksOf takes, for each webhook the worker has room for,
//     its oldest due deliveries: one seek per webhook, bounded by a LIMIT.
//
// Which webhooks get room, and in which order, is the service's policy.

// FindHooksWithPending returns up to limit ids of webhooks that have pending
// deliveries, in ascending order starting after the id after, and then
// from the lowest: the worker goes round them all in turn.
func FindHooksWithPending(ctx context.Context, after int64, limit int) ([]int64, error) {
	ids, err := hooksWithPendingAfter(ctx, after, limit)
	if err != nil || len(ids) >= limit || after == 0 {
		return ids, err
	}
	more, err := hooksWithPendingAfter(ctx, 0, limit-len(ids))
	if err != nil {
		return nil, err
	}
	for _, id := range more {
		if id > after {
			break // met the first part
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// hooksWithPendingAfter is a loose index scan: n index seeks. SQLite and
// PostgreSQL run it as one recursive query; MariaDB does not seek inside
// the recursion (it reads all pending rows at each step), so there it is
// one query per webhook, each a single seek.
func hooksWithPendingAfter(ctx context.Context, after int64, limit int) ([]int64, error) {
	if limit <= 0 {
		return nil, nil
	}
	var ids []int64
	if db.Engine(ctx).DriverName() == "mysql" {
		for len(ids) < limit {
			var next []int64
			if err := db.GetEngine(ctx).SQL("SELECT hook_id FROM action_hook_task WHERE status = ? AND hook_id > ? ORDER BY hook_id LIMIT 1",
				HookTaskPending, after).Find(&next); err != nil {
				return nil, db.Wrap(err)
			}
			if len(next) == 0 {
				break
			}
			after = next[0]
			ids = append(ids, after)
		}
		return ids, nil
	}
	err := db.GetEngine(ctx).SQL(
		"WITH RECURSIVE h (hook_id, n) AS ("+
			" SELECT (SELECT MIN(hook_id) FROM action_hook_task WHERE status = ? AND hook_id > ?), 1"+
			" UNION ALL"+
			" SELECT (SELECT MIN(t.hook_id) FROM action_hook_task t WHERE t.status = ? AND t.hook_id > h.hook_id), h.n + 1"+
			" FROM h WHERE h.hook_id IS NOT NULL AND h.n < ?"+
			") SELECT hook_id FROM h WHERE hook_id IS NOT NULL",
		HookTaskPending, after, HookTaskPending, limit).Find(&ids)
	return ids, db.Wrap(err)
}

// HookQuota asks for up to N due deliveries of one webhook.
type HookQuota struct {
	HookID int64
	N      int
}

// quotasPerStatement keeps one statement within SQLite's limit of 500
// selects in a compound select.
const quotasPerStatement = 200

// FindDueHookTasksOf returns, for each quota, up to N of the webhook's
// pending deliveries that are due and that nobody holds, oldest first,
// leaving out those behind an unfinished earlier event of the same job to
// the same webhook (per job, events go out in order). The result is in
// the order of quotas, each webhook's oldest first.
func FindDueHookTasksOf(ctx context.Context, nowMS int64, quotas []HookQuota) ([]*HookTask, error) {
	// MariaDB, like SQLite, may prefer hook_job and sort the webhook's
	// whole backlog; it is told which index the seek is on.
	from := "action_hook_task t"
	if db.Engine(ctx).DriverName() == "mysql" {
		from += " FORCE INDEX (idx_action_hook_task_pending_hook)"
	}
	var out []*HookTask
	for start := 0; start < len(quotas); start += quotasPerStatement {
		chunk := quotas[start:min(start+quotasPerStatement, len(quotas))]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*5)
		for i, q := range chunk {
			if i > 0 {
				b.WriteString(" UNION ALL ")
			}
			// The unary pluses keep a planner without statistics (SQLite)
			// off the wrong index: the outer seek is on pending_hook, not on
			// due (which would walk every webhook's due deliveries), and the
			// ordering check on hook_job (hook_id, job_id), not on
			// pending_hook (which would walk the webhook's whole backlog).
			fmt.Fprintf(&b, "SELECT * FROM (SELECT t.* FROM %s WHERE t.status = ? AND t.hook_id = ?"+
				" AND +t.next_attempt <= ? AND t.lease_until < ?"+
				" AND NOT EXISTS (SELECT 1 FROM action_hook_task e WHERE e.hook_id = t.hook_id AND e.job_id = t.job_id AND +e.status = ? AND e.id < t.id)"+
				" ORDER BY t.id LIMIT %d) c%d", from, max(q.N, 0), i)
			args = append(args, HookTaskPending, q.HookID, nowMS, nowMS, HookTaskPending)
		}
		var ts []*HookTask
		if err := db.GetEngine(ctx).SQL(b.String(), args...).Find(&ts); err != nil {
			return nil, db.Wrap(err)
		}
		out = append(out, ts...)
	}
	return out, nil
}

// HookOwner is who a webhook belongs to, for sharing the workers fairly.
type HookOwner struct {
	ID      int64
	OwnerID int64 // 0 for a system webhook
}

// FindHookOwners returns the owners of the webhooks ids that still exist.
func FindHookOwners(ctx context.Context, ids []int64) ([]HookOwner, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []HookOwner
	err := db.GetEngine(ctx).Table("action_webhook").Cols("id", "owner_id").In("id", ids).Find(&out)
	return out, db.Wrap(err)
}
