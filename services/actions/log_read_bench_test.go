package actions_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/stretchr/testify/require"

	"code.runnerhub.dev/runnerhub/migrations"
	actions_model "code.runnerhub.dev/runnerhub/models/actions"
	"code.runnerhub.dev/runnerhub/models/db"
	"code.runnerhub.dev/runnerhub/tests/dbtest"
)

// benchLogRowCount and benchLogRowsPerChunk shape the log the read
// benchmarks stream: a million rows stored a thousand per chunk.
const (
	benchLogRowCount     = 1_000_000
	benchLogRowsPerChunk = 1_000
)

// storeBenchLog writes a log of benchLogRowCount rows for task 1.
func storeBenchLog(b *testing.B, ctx context.Context) {
	b.Helper()
	lines := make([]actions_model.LogLine, benchLogRowsPerChunk)
	for first := 0; first < benchLogRowCount; first += benchLogRowsPerChunk {
		for i := range lines {
			lines[i] = actions_model.LogLine{UnixNano: 1700000000000000000 + int64(first+i)*1000, Content: fmt.Sprintf("%07d  step output: compiling package %d of the build, all fine so far", first+i, first+i)}
		}
		_, err := db.GetEngine(ctx).Insert(&actions_model.LogChunk{TaskID: 1, FirstIndex: int64(first), RowCount: benchLogRowsPerChunk, Data: actions_model.EncodeLogLines(lines)})
		require.NoError(b, err)
	}
}

// heapWatch samples the bytes of heap objects, live or not yet collected:
// an upper bound of what a read holds at once.
type heapWatch struct {
	sample     []metrics.Sample
	base, peak uint64
}

func newHeapWatch() *heapWatch {
	return &heapWatch{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (h *heapWatch) read() uint64 {
	metrics.Read(h.sample)
	return h.sample[0].Value.Uint64()
}

// start collects garbage and takes what is left as the base.
func (h *heapWatch) start() {
	runtime.GC()
	h.base = h.read()
}

func (h *heapWatch) check() {
	if v := h.read(); v > h.base && v-h.base > h.peak {
		h.peak = v - h.base
	}
}

// countingSink is where the text goes: it counts bytes and watches the heap.
type countingSink struct {
	n    int64
	heap *heapWatch
}

func (c *countingSink) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// BenchmarkWriteLogText streams a finished log of a million rows as the
// job logs endpoint does. B/op counts every byte allocated over the whole
// read; peak-heap-MB is the most the heap grew over its start at any flush,
// which stays near the read budget whatever the log's length.
func BenchmarkWriteLogText(b *testing.B) {
	for _, be := range dbtest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			ctx := db.WithEngine(context.Background(), be.NewEngine(b))
			require.NoError(b, migrations.Migrate(ctx, db.Engine(ctx), migrations.Standalone))
			storeBenchLog(b, ctx)
			svc := newLogService(b)
			heap := newHeapWatch()
			var written int64
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				heap.start()
				sink := &countingSink{heap: heap}
				b.StartTimer()
				require.NoError(b, svc.WriteLogText(ctx, 1, sink, func() error { heap.check(); return nil }))
				written = sink.n
			}
			b.ReportMetric(float64(written)/(1<<20), "MB-written")
			b.ReportMetric(float64(heap.peak)/(1<<20), "peak-heap-MB")
		})
	}
}

// BenchmarkReadAllLogRows is the contrast: the same log read into memory
// whole before anything is written, which is what streaming avoids.
func BenchmarkReadAllLogRows(b *testing.B) {
	for _, be := range dbtest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			ctx := db.WithEngine(context.Background(), be.NewEngine(b))
			require.NoError(b, migrations.Migrate(ctx, db.Engine(ctx), migrations.Standalone))
			storeBenchLog(b, ctx)
			svc := newLogService(b)
			heap := newHeapWatch()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				heap.start()
				b.StartTimer()
				rows, err := svc.ReadLogRows(ctx, 1, 0, benchLogRowCount)
				require.NoError(b, err)
				require.Len(b, rows, benchLogRowCount)
				heap.check()
			}
			b.ReportMetric(float64(heap.peak)/(1<<20), "peak-heap-MB")
		})
	}
}
