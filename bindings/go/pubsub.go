package glidec

// Pub/sub: the subscription configuration, the message type, delivery (a callback, or a bounded
// channel) and runtime Subscribe / Unsubscribe. Kept apart from ffi.go: a cgo file with //export
// may declare C functions in its preamble but not define any.

/*
#include <stdint.h>
#include "glide_c.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync/atomic"
	"unsafe"
)

// PubSubChannelMode is the kind of a subscription.
type PubSubChannelMode int

const (
	// Exact subscribes to channel names (SUBSCRIBE).
	Exact PubSubChannelMode = C.GLIDE_PUBSUB_EXACT
	// Pattern subscribes to glob-style patterns (PSUBSCRIBE).
	Pattern PubSubChannelMode = C.GLIDE_PUBSUB_PATTERN
	// Sharded subscribes to sharded channels (SSUBSCRIBE), each on the primary owning its slot.
	Sharded PubSubChannelMode = C.GLIDE_PUBSUB_SHARDED
)

// PubSubMessage is one message received. Strings are binary-safe (NUL bytes included).
type PubSubMessage struct {
	// Kind is the kind of the subscription that received it.
	Kind PubSubChannelMode
	// Channel is the channel the message was published to.
	Channel string
	// Pattern is the pattern that matched Channel (Kind Pattern only, else "").
	Pattern string
	// Message is the payload.
	Message string
}

// DefaultPubSubChannelSize is the buffer of PubSubMessages when PubSubConfig.ChannelSize is 0.
const DefaultPubSubChannelSize = 1024

// PubSubConfig makes a client a subscriber: set it as the PubSub field of a client
// configuration. The client subscribes to the lists below before NewClusterClient / NewClient
// returns, keeps the subscriptions across reconnects, failovers and slot moves, and may change
// them at run time (Subscribe, Unsubscribe, ...). Every list may be empty.
//
// Delivery: with Callback set, every message is passed to it, on the library's I/O thread: it
// must return quickly and must not call the client (Subscribe from it fails with
// INVALID_ARGUMENT; hand the message to a goroutine instead). Without Callback, messages go to
// the channel returned by PubSubMessages, buffered to ChannelSize messages: when the buffer is
// full (nobody reads) new messages are dropped, never waited for, and counted by
// PubSubDropped. The channel is closed by Close.
type PubSubConfig struct {
	Channels        []string // Exact
	Patterns        []string // Pattern
	ShardedChannels []string // Sharded (cluster mode)
	Callback        func(PubSubMessage)
	ChannelSize     int // buffer of PubSubMessages (0: DefaultPubSubChannelSize)
}

// receiver is the Go side of a subscriber client; C holds only its cgo.Handle.
type receiver struct {
	callback func(PubSubMessage)
	ch       chan PubSubMessage
	dropped  uint64
}

func newReceiver(p *PubSubConfig) (*receiver, error) {
	r := &receiver{callback: p.Callback}
	if p.Callback == nil {
		size := p.ChannelSize
		if size < 0 {
			return nil, invalidArgument("PubSub.ChannelSize is negative")
		}
		if size == 0 {
			size = DefaultPubSubChannelSize
		}
		r.ch = make(chan PubSubMessage, size)
	}
	return r, nil
}

// subscriptions flattens the configured lists: kinds, the names back to back, their lengths.
func (p *PubSubConfig) subscriptions() (kinds []C.uint8_t, data []byte, lens []C.size_t, err error) {
	for _, l := range []struct {
		mode  PubSubChannelMode
		names []string
	}{{Exact, p.Channels}, {Pattern, p.Patterns}, {Sharded, p.ShardedChannels}} {
		for _, n := range l.names {
			if n == "" {
				return nil, nil, nil, invalidArgument("PubSub: empty channel or pattern")
			}
			kinds = append(kinds, C.uint8_t(l.mode))
			data = append(data, n...)
			lens = append(lens, C.size_t(len(n)))
		}
	}
	return kinds, data, lens, nil
}

// glidecOnPubSub receives every message of a subscriber client, on the library's I/O thread.
// The message is valid only during the call: it is copied into Go strings first.
//
//export glidecOnPubSub
func glidecOnPubSub(handle C.uintptr_t, m *C.glide_pubsub_message) {
	r := cgo.Handle(handle).Value().(*receiver)
	msg := PubSubMessage{
		Kind:    PubSubChannelMode(m.kind),
		Channel: goString(m.channel, m.channel_len),
		Pattern: goString(m.pattern, m.pattern_len),
		Message: goString(m.payload, m.payload_len),
	}
	if r.callback != nil {
		r.callback(msg)
		return
	}
	select {
	case r.ch <- msg:
	default: // full: drop rather than stall the I/O thread
		atomic.AddUint64(&r.dropped, 1)
	}
}

func goString(p *C.char, n C.size_t) string {
	if p == nil || n == 0 {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n)))
}

// PubSubMessages returns the channel messages arrive on (a client made with a PubSubConfig
// without Callback), or nil. It is closed by Close, after the last message.
func (c *baseClient) PubSubMessages() <-chan PubSubMessage {
	if c.receiver == nil {
		return nil
	}
	return c.receiver.ch
}

// PubSubDropped returns how many messages were dropped because PubSubMessages' buffer was full.
func (c *baseClient) PubSubDropped() uint64 {
	if c.receiver == nil {
		return 0
	}
	return atomic.LoadUint64(&c.receiver.dropped)
}

// pubsub runs glide_client_subscribe / unsubscribe, which returns once the server confirmed
// every channel (at most the request timeout later: TIMEOUT; the client keeps trying).
func (c *baseClient) pubsub(what string, subscribe bool, mode PubSubChannelMode, names []string) error {
	if c.receiver == nil {
		return invalidArgument(what + ": the client was made without a PubSub configuration; " +
			"runtime subscriptions need a subscriber client (PubSub set, possibly with no channels)")
	}
	if subscribe && len(names) == 0 {
		return invalidArgument(what + ": no channel given")
	}
	var data []byte
	lens := make([]C.size_t, len(names))
	for i, n := range names {
		if n == "" {
			return invalidArgument(what + ": empty channel or pattern")
		}
		data = append(data, n...)
		lens[i] = C.size_t(len(n))
	}
	var lensPtr *C.size_t
	if len(lens) > 0 {
		lensPtr = &lens[0]
	}
	st := C.glide_status(C.GLIDE_ERR_CLOSING)
	c.mu.RLock() // Close waits for the call (bounded by the request timeout)
	if c.ptr != nil {
		st = subscribeC(c.ptr, subscribe, mode, data, lensPtr, len(names))
	}
	c.mu.RUnlock()
	if st != C.GLIDE_OK {
		return &RequestError{Kind: ErrorKind(st), Message: what + " failed"}
	}
	return nil
}

// Subscribe subscribes to channels (SUBSCRIBE) and returns once the server confirmed them.
// Idempotent. The client must have been made with a PubSub configuration (else
// INVALID_ARGUMENT); not from a pub/sub Callback.
func (c *baseClient) Subscribe(channels ...string) error {
	return c.pubsub("Subscribe", true, Exact, channels)
}

// PSubscribe subscribes to glob-style patterns (PSUBSCRIBE), as Subscribe.
func (c *baseClient) PSubscribe(patterns ...string) error {
	return c.pubsub("PSubscribe", true, Pattern, patterns)
}

// Unsubscribe unsubscribes from channels; with none, from every exact channel.
func (c *baseClient) Unsubscribe(channels ...string) error {
	return c.pubsub("Unsubscribe", false, Exact, channels)
}

// PUnsubscribe unsubscribes from patterns; with none, from every pattern.
func (c *baseClient) PUnsubscribe(patterns ...string) error {
	return c.pubsub("PUnsubscribe", false, Pattern, patterns)
}

// SSubscribe subscribes to sharded channels (SSUBSCRIBE, each on the primary owning its slot),
// as Subscribe.
func (c *ClusterClient) SSubscribe(channels ...string) error {
	return c.pubsub("SSubscribe", true, Sharded, channels)
}

// SUnsubscribe unsubscribes from sharded channels; with none, from every sharded channel.
func (c *ClusterClient) SUnsubscribe(channels ...string) error {
	return c.pubsub("SUnsubscribe", false, Sharded, channels)
}
