package glidec

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks against the cluster of GLIDE_TEST_SERVERS (see README.md for the command and
// figures). Keys spread over every slot; values are 16 bytes, as in bench/glide_bench.c.

// One exec of a non-atomic batch of 100 SETs (split over the three primaries).
func BenchmarkPipeline100Set(b *testing.B) {
	c := clusterClient(b)
	batch := NewClusterBatch(false)
	for i := 0; i < 100; i++ {
		batch.Set(fmt.Sprintf("go-bench:%d", i), "0123456789abcdef")
	}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := c.Exec(ctx, batch, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/time.Since(start).Seconds(), "SET/s")
}

// Single GETs one after another (latency bound).
func BenchmarkGet(b *testing.B) {
	c := clusterClient(b)
	ctx := context.Background()
	if _, err := c.CustomCommand(ctx, []string{"SET", "go-bench:get", "0123456789abcdef"}); err != nil {
		b.Fatal(err)
	}
	args := []string{"GET", "go-bench:get"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.CustomCommand(ctx, args); err != nil {
			b.Fatal(err)
		}
	}
}

// Single GETs from many goroutines sharing the client (throughput bound).
func BenchmarkGetParallel(b *testing.B) {
	c := clusterClient(b)
	ctx := context.Background()
	for i := 0; i < 16; i++ {
		if _, err := c.CustomCommand(ctx, []string{"SET", fmt.Sprintf("go-bench:get%d", i), "0123456789abcdef"}); err != nil {
			b.Fatal(err)
		}
	}
	b.SetParallelism(32) // 32 goroutines per CPU
	b.ResetTimer()
	var seq int64
	b.RunParallel(func(pb *testing.PB) {
		args := []string{"GET", fmt.Sprintf("go-bench:get%d", atomic.AddInt64(&seq, 1)%16)}
		for pb.Next() {
			if _, err := c.CustomCommand(ctx, args); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
