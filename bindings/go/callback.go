package glidec

// The completion side of every request. Kept in its own file: a cgo file with //export may
// declare C functions in its preamble but not define any, and ffi.go defines the trampolines.

/*
#include <stdint.h>
#include "glide_c.h"
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"sync/atomic"
)

// States of a pending request: the waiting goroutine and the callback race to leave
// statePending, and whoever loses knows who owns the reply tree.
const (
	statePending   int32 = iota
	stateDelivered       // the callback handed the tree to the waiter, who frees it
	stateAbandoned       // the waiter gave up (ctx done): the callback frees the tree
)

// pending is one submitted request. C holds only its cgo.Handle (an integer), never a Go
// pointer.
type pending struct {
	state int32
	done  chan *C.glide_value // capacity 1: the callback never blocks
}

// inflight counts reply trees not yet freed (submitted requests whose tree is still owed or
// held); the tests check it returns to zero after cancellations.
var inflight int64

// glidecOnResult is the C callback of every async request (through glidec_on_result). It runs
// on the library's I/O thread, so it only hands the tree over: the conversion runs on the
// waiting goroutine.
//
//export glidecOnResult
func glidecOnResult(handle C.uintptr_t, result *C.glide_value) {
	h := cgo.Handle(handle)
	p := h.Value().(*pending)
	h.Delete() // the library calls back exactly once
	if atomic.CompareAndSwapInt32(&p.state, statePending, stateDelivered) {
		p.done <- result
		return
	}
	freeValue(result)
	atomic.AddInt64(&inflight, -1)
}

// wait returns the reply of a submitted request converted to Go values, or ctx's error as soon
// as ctx is done (the reply is then freed by the callback when it arrives).
func wait(ctx context.Context, p *pending) (any, error) {
	select {
	case v := <-p.done:
		return take(v), nil
	case <-ctx.Done():
		if atomic.CompareAndSwapInt32(&p.state, statePending, stateAbandoned) {
			return nil, ctx.Err()
		}
		// The reply won the race and is on its way: free it here.
		take(<-p.done)
		return nil, ctx.Err()
	}
}

// take converts a reply tree and frees it.
func take(v *C.glide_value) any {
	r := convert(v)
	freeValue(v)
	atomic.AddInt64(&inflight, -1)
	return r
}
