package glidec

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitGroup waits for wg at most d.
func waitGroup(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("goroutines still running after %v", d)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	c := clusterClient(t)
	const n = 1000
	var wg sync.WaitGroup
	var failures int64
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			k, v := key(fmt.Sprintf("conc%d", i)), fmt.Sprintf("value-%d", i)
			var r []any
			var err error
			if i%2 == 0 {
				b := NewClusterBatch(i%4 == 0)
				b.Set(k, v).Get(k).Del([]string{k})
				r, err = c.Exec(ctx, b, true)
			} else {
				var x any
				if x, err = c.CustomCommand(ctx, []string{"SET", k, v}); err == nil {
					var y any
					y, err = c.CustomCommand(ctx, []string{"GET", k})
					var z any
					if err == nil {
						z, err = c.CustomCommand(ctx, []string{"DEL", k})
					}
					r = []any{x, y, z}
				}
			}
			want := []any{"OK", []byte(v), int64(1)}
			if err == nil && !reflect.DeepEqual(r, want) {
				err = fmt.Errorf("goroutine %d: got %s, want %s", i, show(r), show(want))
			}
			if err != nil {
				atomic.AddInt64(&failures, 1)
				errs <- err
			}
		}(i)
	}
	waitGroup(t, &wg, 60*time.Second)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if failures != 0 {
		t.Fatalf("%d of %d goroutines failed", failures, n)
	}
	waitInflight(t)
}

// A ctx that ends while a blocking command is pending: Exec returns at once, the reply is
// freed when it arrives, and the client keeps working.
func TestCancellation(t *testing.T) {
	cfg := clusterConfig(t)
	cfg.RequestTimeout = 5 * time.Second
	c := newCluster(t, cfg)
	waitInflight(t)
	k := key("{cancel}list")
	b := NewClusterBatch(false).CustomCommand("BLPOP", k, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := c.Exec(ctx, b, false)
	elapsed := time.Since(start)
	if r != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %s, %v; want nil, context.DeadlineExceeded", show(r), err)
	}
	if elapsed > 500*time.Millisecond {
		t.Fatalf("Exec returned %v after it was called, the ctx expired after 100 ms", elapsed)
	}
	if atomic.LoadInt64(&inflight) != 1 {
		t.Fatalf("inflight %d right after the cancellation, want 1 (the BLPOP)", atomic.LoadInt64(&inflight))
	}
	// Cancel a single command too, with cancel() rather than a deadline.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel2() }()
	if _, err := c.CustomCommand(ctx2, []string{"BLPOP", k, "1"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("CustomCommand: %v, want context.Canceled", err)
	}
	// Both BLPOPs answer nil after 1 s; the callbacks free their trees.
	waitInflight(t)
	r, err = c.Exec(testCtx(t), NewClusterBatch(false).Set(k, "after").Get(k), true)
	expect(t, "after the cancellation", []any{r, err}, []any{[]any{"OK", []byte("after")}, nil})

	// A ctx already done: nothing is sent.
	done, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if _, err := c.Exec(done, NewClusterBatch(false).Del([]string{k}), false); !errors.Is(err, context.Canceled) {
		t.Fatalf("done ctx: %v", err)
	}
	r2, err := c.CustomCommand(testCtx(t), []string{"GET", k})
	expect(t, "the batch with a done ctx was not sent", []any{r2, err}, []any{[]byte("after"), nil})
}

// Cancellations racing with replies, many times: every tree is freed exactly once. A cancelled
// request holds its place in the library's in-flight limit until its reply arrives, so the test
// stays under the default limit of 1000 (50 goroutines x 20 requests).
func TestCancellationRace(t *testing.T) {
	c := clusterClient(t)
	var wg sync.WaitGroup
	var cancelled, answered int64
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(j*j*5)*time.Microsecond)
				_, err := c.Exec(ctx, NewClusterBatch(false).Get(key("race")).Incr(key("race")), false)
				cancel()
				if err == nil {
					atomic.AddInt64(&answered, 1)
				} else if errors.Is(err, context.DeadlineExceeded) {
					atomic.AddInt64(&cancelled, 1)
				} else {
					t.Errorf("goroutine %d: %v", i, err)
					return
				}
			}
		}(i)
	}
	waitGroup(t, &wg, 60*time.Second)
	waitInflight(t)
	t.Logf("%d answered, %d cancelled", answered, cancelled)
}

func TestClose(t *testing.T) {
	cfg := clusterConfig(t)
	cfg.RequestTimeout = 5 * time.Second
	c, err := NewClusterClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	k := key("{close}list")
	results := make(chan error, 2)
	for _, raise := range []bool{true, false} {
		go func(raise bool) {
			r, err := c.Exec(testCtx(t), NewClusterBatch(false).CustomCommand("BLPOP", k, "3"), raise)
			if !raise && err == nil {
				err = r[0].(error) // the pending command's element is the CLOSING error
			}
			results <- err
		}(raise)
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	c.Close()
	for i := 0; i < 2; i++ {
		select {
		case err := <-results:
			requestError(t, err, Closing)
		case <-time.After(2 * time.Second):
			t.Fatal("a pending Exec did not return after Close")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	c.Close() // idempotent
	_, err = c.Exec(testCtx(t), NewClusterBatch(false).Get(k), false)
	requestError(t, err, Closing)
	_, err = c.CustomCommand(testCtx(t), []string{"PING"})
	requestError(t, err, Closing)
	waitInflight(t)
}

// Close racing with many submissions: each Exec either runs or fails with CLOSING.
func TestCloseWhileBusy(t *testing.T) {
	c, err := NewClusterClient(clusterConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				_, err := c.Exec(testCtx(t), NewClusterBatch(false).Get(key("busy")), true)
				var re *RequestError
				if err != nil && !(errors.As(err, &re) && re.Kind == Closing) {
					t.Errorf("goroutine %d: %v", i, err)
					return
				}
			}
		}(i)
	}
	time.Sleep(20 * time.Millisecond)
	c.Close()
	waitGroup(t, &wg, 30*time.Second)
	waitInflight(t)
}
