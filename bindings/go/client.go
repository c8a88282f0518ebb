package glidec

/*
#include "glide_c.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"sync"
	"sync/atomic"
)

// baseClient is the part shared by Client and ClusterClient: the library's client handle and
// the lock that keeps Close from racing with a submission (the library forbids any use of a
// client once its close has begun).
type baseClient struct {
	mu  sync.RWMutex
	ptr *C.glide_client // nil once closed
	// receiver gets the pub/sub messages of a subscriber client (nil otherwise); C holds
	// handle, deleted once close returned (no callback runs after it).
	receiver *receiver
	handle   cgo.Handle
}

// open connects with p, making the client a subscriber when p.pubsub is set.
func (c *baseClient) open(p connectParams) error {
	var r *receiver
	if p.pubsub != nil {
		var err error
		if r, err = newReceiver(p.pubsub); err != nil {
			return err
		}
		p.receiver = cgo.NewHandle(r)
	}
	ptr, err := connect(p)
	if err != nil {
		if r != nil {
			p.receiver.Delete()
		}
		return err
	}
	c.ptr, c.receiver, c.handle = ptr, r, p.receiver
	return nil
}

// submit sends one request through send and waits for its reply (see wait). send returns the
// library's status; any status but OK means nothing was sent and no callback will come.
func (c *baseClient) submit(ctx context.Context, what string, send func(*C.glide_client, C.uintptr_t) C.glide_status) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &pending{done: make(chan *C.glide_value, 1)}
	h := cgo.NewHandle(p)
	st := C.glide_status(C.GLIDE_ERR_CLOSING)
	c.mu.RLock()
	if c.ptr != nil {
		atomic.AddInt64(&inflight, 1) // before the callback can run and free the tree
		st = send(c.ptr, C.uintptr_t(h))
		if st != C.GLIDE_OK {
			atomic.AddInt64(&inflight, -1)
		}
	}
	c.mu.RUnlock()
	if st != C.GLIDE_OK {
		h.Delete()
		return nil, &RequestError{Kind: ErrorKind(st), Message: what + " refused before sending: " + statusHint(st)}
	}
	return wait(ctx, p)
}

func statusHint(st C.glide_status) string {
	switch st {
	case C.GLIDE_ERR_INVALID_ARGUMENT:
		return "bad input (an empty batch, a command without arguments, a retry flag on an atomic batch, an option out of range)"
	case C.GLIDE_ERR_CLOSING:
		return "the client is closed"
	case C.GLIDE_ERR_INFLIGHT_LIMIT:
		return "the client's in-flight request limit is reached"
	}
	return ErrorKind(st).String()
}

func (c *baseClient) exec(ctx context.Context, p *execParams) ([]any, error) {
	if p.batch == nil {
		return nil, invalidArgument("nil batch")
	}
	if err := p.prepare(); err != nil {
		return nil, err
	}
	r, err := c.submit(ctx, "exec", func(cl *C.glide_client, h C.uintptr_t) C.glide_status {
		return submitExec(cl, p, h)
	})
	if err != nil {
		return nil, err
	}
	switch x := r.(type) {
	case nil: // an atomic batch aborted by WATCH
		return nil, nil
	case *RequestError:
		return nil, x
	case []any:
		return x, nil
	}
	return nil, &RequestError{Kind: Protocol, Message: fmt.Sprintf("exec answered %T, not an array", r)}
}

func (c *baseClient) customCommand(ctx context.Context, args []string) (any, error) {
	if len(args) == 0 {
		return nil, invalidArgument("CustomCommand needs at least the command name")
	}
	r, err := c.submit(ctx, "command", func(cl *C.glide_client, h C.uintptr_t) C.glide_status {
		return submitCommand(cl, args, h)
	})
	if err != nil {
		return nil, err
	}
	if e, ok := r.(*RequestError); ok {
		return nil, e
	}
	return r, nil
}

// Close closes the client: requests still pending complete with a CLOSING error (their Exec
// calls return), then the connections and the library's I/O thread stop. Later calls fail
// with CLOSING. Close is idempotent and safe to call from any goroutine.
func (c *baseClient) Close() {
	c.mu.Lock() // waits for submissions in progress; none start after
	ptr := c.ptr
	c.ptr = nil
	c.mu.Unlock()
	if ptr != nil {
		closeClient(ptr)
		if c.receiver != nil { // no pub/sub callback runs any more
			c.handle.Delete()
			if c.receiver.ch != nil {
				close(c.receiver.ch)
			}
		}
	}
}

// ClusterClient is a client of a Valkey / Redis cluster. It is safe for concurrent use by many
// goroutines; Close it when done.
type ClusterClient struct {
	baseClient
}

// NewClusterClient connects to a cluster (discovering its slot map from the seed addresses)
// and returns within the connection timeout. A failure is a *RequestError (CONNECTION, TIMEOUT,
// AUTH, PROTOCOL, INVALID_ARGUMENT, NOT_SUPPORTED), or an error loading the library.
func NewClusterClient(config ClusterClientConfiguration) (*ClusterClient, error) {
	c := &ClusterClient{}
	err := c.open(connectParams{
		cluster: true, addresses: config.Addresses, credentials: config.Credentials,
		tls: config.UseTLS, readFrom: config.ReadFrom, requestTimeout: config.RequestTimeout,
		connectTimeout: config.ConnectionTimeout, clientName: config.ClientName,
		protocol: config.Protocol, inflightLimit: config.InflightLimit, pubsub: config.PubSub,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Exec runs a batch and returns one element per command, in the order they were added (see the
// package documentation for the Go types). With raiseOnError false, a failed command's element
// is its *RequestError; with true, Exec returns the first such error instead. An atomic batch
// aborted by WATCH returns nil, nil. ctx only stops the wait: when it is done Exec returns
// ctx.Err() at once, and the batch may still run.
func (c *ClusterClient) Exec(ctx context.Context, batch *ClusterBatch, raiseOnError bool) ([]any, error) {
	return c.exec(ctx, &execParams{batch: batch.data(), raise: raiseOnError})
}

// ExecWithOptions is Exec with a timeout, retry strategy or route.
func (c *ClusterClient) ExecWithOptions(ctx context.Context, batch *ClusterBatch, raiseOnError bool, options ClusterBatchOptions) ([]any, error) {
	return c.exec(ctx, &execParams{batch: batch.data(), raise: raiseOnError, timeout: options.Timeout,
		retrySv: options.RetryServerError, retryCn: options.RetryConnectionError, route: options.Route})
}

// CustomCommand runs one command (args[0] is its name), routed by its keys; a command with keys
// in several slots is split and its answers combined by the library. Server errors come back
// as a *RequestError.
func (c *ClusterClient) CustomCommand(ctx context.Context, args []string) (any, error) {
	return c.customCommand(ctx, args)
}

// Client is a client of one standalone server. It is safe for concurrent use by many
// goroutines; Close it when done.
type Client struct {
	baseClient
}

// NewClient connects to a standalone server.
func NewClient(config ClientConfiguration) (*Client, error) {
	c := &Client{}
	err := c.open(connectParams{
		cluster: false, addresses: config.Addresses, credentials: config.Credentials,
		tls: config.UseTLS, requestTimeout: config.RequestTimeout,
		connectTimeout: config.ConnectionTimeout, clientName: config.ClientName,
		database: config.DatabaseId, protocol: config.Protocol, inflightLimit: config.InflightLimit,
		pubsub: config.PubSub,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Exec runs a batch: as ClusterClient.Exec.
func (c *Client) Exec(ctx context.Context, batch *Batch, raiseOnError bool) ([]any, error) {
	return c.exec(ctx, &execParams{batch: batch.data(), raise: raiseOnError})
}

// ExecWithOptions is Exec with a timeout.
func (c *Client) ExecWithOptions(ctx context.Context, batch *Batch, raiseOnError bool, options BatchOptions) ([]any, error) {
	return c.exec(ctx, &execParams{batch: batch.data(), raise: raiseOnError, timeout: options.Timeout})
}

// CustomCommand runs one command (args[0] is its name).
func (c *Client) CustomCommand(ctx context.Context, args []string) (any, error) {
	return c.customCommand(ctx, args)
}
