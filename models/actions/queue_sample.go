package actions

import (
	"context"

	"xorm.io/builder"

	"code.runnerhub.dev/runnerhub/models/db"
)

// QueueSample is the queue at one sampled moment in one repository, or in
// the whole instance (OwnerID and RepoID 0). See migration 18.
type QueueSample struct {
	ID         int64 `xorm:"pk autoincr"`
	Bucket     int64 `xorm:"UNIQUE(bucket_scope) NOT NULL"` // unix time, a multiple of the sampling interval
	OwnerID    int64 `xorm:"UNIQUE(bucket_scope) NOT NULL DEFAULT 0"`
	RepoID     int64 `xorm:"UNIQUE(bucket_scope) NOT NULL DEFAULT 0"`
	Waiting    int64 `xorm:"NOT NULL DEFAULT 0"` // jobs waiting for a runner
	OldestWait int64 `xorm:"NOT NULL DEFAULT 0"` // seconds the oldest of them had waited
	Picked     int64 `xorm:"NOT NULL DEFAULT 0"` // jobs runners picked up since the bucket before
	WaitSum    int64 `xorm:"NOT NULL DEFAULT 0"` // seconds those jobs had waited, summed
	WaitMax    int64 `xorm:"NOT NULL DEFAULT 0"` // and the longest of them
}

func (QueueSample) TableName() string { return "action_queue_sample" }

// HasQueueSample reports whether the instance's row of bucket is written:
// the last row a sample writes, so its bucket is complete.
func HasQueueSample(ctx context.Context, bucket int64) (bool, error) {
	n, err := db.GetEngine(ctx).Where("bucket = ? AND owner_id = 0 AND repo_id = 0", bucket).Count(new(QueueSample))
	return n > 0, db.Wrap(err)
}

// queueRepoRow is one repository's share of a sample.
type queueRepoRow struct {
	OwnerID, RepoID int64
	N, A, B         int64
}

// SampleQueueRows computes the samples of bucket: one per repository with
// jobs waiting at now or picked up in [from, bucket), and the instance's
// total, last.
func SampleQueueRows(ctx context.Context, bucket, from, now int64) ([]*QueueSample, error) {
	var waiting, picked []queueRepoRow
	e := db.GetEngine(ctx)
	if err := e.Table("action_run_job").Select("owner_id, repo_id, COUNT(*) AS n, MIN(queued) AS a, 0 AS b").
		Where("status = ?", StatusWaiting).GroupBy("owner_id, repo_id").Find(&waiting); err != nil {
		return nil, db.Wrap(err)
	}
	// The pickup wait of a job is from when it last became waiting to its claim.
	if err := db.GetEngine(ctx).Table("action_run_job").Select("owner_id, repo_id, COUNT(*) AS n, SUM(started - queued) AS a, MAX(started - queued) AS b").
		Where("started >= ? AND started < ? AND queued > 0", from, bucket).GroupBy("owner_id, repo_id").Find(&picked); err != nil {
		return nil, db.Wrap(err)
	}
	rows := map[[2]int64]*QueueSample{}
	total := &QueueSample{Bucket: bucket}
	row := func(ownerID, repoID int64) *QueueSample {
		k := [2]int64{ownerID, repoID}
		if rows[k] == nil {
			rows[k] = &QueueSample{Bucket: bucket, OwnerID: ownerID, RepoID: repoID}
		}
		return rows[k]
	}
	for _, w := range waiting {
		r := row(w.OwnerID, w.RepoID)
		r.Waiting, r.OldestWait = w.N, max(now-w.A, 0)
		total.Waiting += w.N
		total.OldestWait = max(total.OldestWait, r.OldestWait)
	}
	for _, p := range picked {
		r := row(p.OwnerID, p.RepoID)
		r.Picked, r.WaitSum, r.WaitMax = p.N, p.A, p.B
		total.Picked += p.N
		total.WaitSum += p.A
		total.WaitMax = max(total.WaitMax, p.B)
	}
	out := make([]*QueueSample, 0, len(rows)+1)
	for _, r := range rows {
		out = append(out, r)
	}
	return append(out, total), nil
}

// InsertQueueSample writes s unless its bucket's row is there already.
func InsertQueueSample(ctx context.Context, s *QueueSample) error {
	return db.InsertIgnore(ctx, "action_queue_sample",
		[]string{"bucket", "owner_id", "repo_id", "waiting", "oldest_wait", "picked", "wait_sum", "wait_max"},
		s.Bucket, s.OwnerID, s.RepoID, s.Waiting, s.OldestWait, s.Picked, s.WaitSum, s.WaitMax)
}

// DeleteQueueSamplesBefore drops the samples older than bucket.
func DeleteQueueSamplesBefore(ctx context.Context, bucket int64) error {
	_, err := db.GetEngine(ctx).Where("bucket < ?", bucket).Delete(new(QueueSample))
	return db.Wrap(err)
}

// FindQueueSeries returns the scope's samples from since on, one per
// sampled bucket in time order: an owner's is the sum of its repositories'.
// A bucket sampled while the scope had nothing waiting or picked up is
// there with zeros.
func FindQueueSeries(ctx context.Context, ownerID, repoID, since int64) ([]*QueueSample, error) {
	var totals []*QueueSample
	if err := db.GetEngine(ctx).Where("bucket >= ? AND owner_id = 0 AND repo_id = 0", since).Asc("bucket").Find(&totals); err != nil {
		return nil, db.Wrap(err)
	}
	if ownerID == 0 && repoID == 0 {
		return totals, nil
	}
	var rows []*QueueSample
	cond := builder.Gte{"bucket": since}.And(scopeCond(ownerID, repoID)).And(builder.Neq{"repo_id": 0})
	err := db.GetEngine(ctx).Table("action_queue_sample").
		Select("bucket, SUM(waiting) AS waiting, MAX(oldest_wait) AS oldest_wait, SUM(picked) AS picked, SUM(wait_sum) AS wait_sum, MAX(wait_max) AS wait_max").
		Where(cond).GroupBy("bucket").Find(&rows)
	if err != nil {
		return nil, db.Wrap(err)
	}
	byBucket := make(map[int64]*QueueSample, len(rows))
	for _, r := range rows {
		byBucket[r.Bucket] = r
	}
	out := make([]*QueueSample, len(totals))
	for i, t := range totals {
		out[i] = &QueueSample{Bucket: t.Bucket, OwnerID: ownerID, RepoID: repoID}
		if r := byBucket[t.Bucket]; r != nil {
			*out[i] = QueueSample{Bucket: t.Bucket, OwnerID: ownerID, RepoID: repoID, Waiting: r.Waiting, OldestWait: r.OldestWait,
				Picked: r.Picked, WaitSum: r.WaitSum, WaitMax: r.WaitMax}
		}
	}
	return out, nil
}
