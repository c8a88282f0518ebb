package glidec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const pubsubN = 20 // messages per channel

func payload(i int) string { return fmt.Sprintf("m\x00%d\x00\xff", i) } // NULs, non-UTF-8

func publish(t *testing.T, c *ClusterClient, message, channel string, sharded bool) int64 {
	t.Helper()
	r, err := c.Exec(testCtx(t), NewClusterBatch(false).Publish(message, channel, sharded), true)
	if err != nil {
		t.Fatalf("publish %q: %v", channel, err)
	}
	return r[0].(int64)
}

// receive reads n messages from ch, failing after 10 s without one.
func receive(t *testing.T, ch <-chan PubSubMessage, n int) []PubSubMessage {
	t.Helper()
	var got []PubSubMessage
	for len(got) < n {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed after %d of %d messages", len(got), n)
			}
			got = append(got, m)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d messages after 10 s: %+v", len(got), n, got)
		}
	}
	return got
}

func nothingMore(t *testing.T, ch <-chan PubSubMessage) {
	t.Helper()
	select {
	case m := <-ch:
		t.Fatalf("unexpected message %+v", m)
	case <-time.After(500 * time.Millisecond):
	}
}

// checkInOrder checks that each channel got payload(0..n-1), in order, with the given pattern.
func checkInOrder(t *testing.T, got []PubSubMessage, want map[string]string, n int) {
	t.Helper()
	by := map[string][]PubSubMessage{}
	for _, m := range got {
		by[m.Channel] = append(by[m.Channel], m)
	}
	if len(by) != len(want) {
		t.Fatalf("channels %v, want %v", by, want)
	}
	for ch, pattern := range want {
		ms := by[ch]
		if len(ms) != n {
			t.Fatalf("%s: %d messages, want %d", ch, len(ms), n)
		}
		for i, m := range ms {
			if m.Message != payload(i) || m.Pattern != pattern {
				t.Fatalf("%s #%d: %+v, want message %q pattern %q", ch, i, m, payload(i), pattern)
			}
		}
	}
}

func TestPubSubConfiguredSubscriptions(t *testing.T) {
	for _, protocol := range []int{3, 2} {
		t.Run(fmt.Sprintf("RESP%d", protocol), func(t *testing.T) {
			exact, pat, sharded := key("exact"), key("pat")+":", key("shard")
			cfg := clusterConfig(t)
			cfg.Protocol = protocol
			cfg.PubSub = &PubSubConfig{Channels: []string{exact}, Patterns: []string{pat + "*"},
				ShardedChannels: []string{sharded}}
			sub := newCluster(t, cfg)
			pub := clusterClient(t)
			for i := 0; i < pubsubN; i++ {
				publish(t, pub, payload(i), exact, false)
				publish(t, pub, payload(i), pat+"x", false)
				if n := publish(t, pub, payload(i), sharded, true); n != 1 {
					t.Fatalf("SPUBLISH reached %d subscribers, want 1", n)
				}
			}
			got := receive(t, sub.PubSubMessages(), 3*pubsubN)
			nothingMore(t, sub.PubSubMessages())
			checkInOrder(t, got, map[string]string{exact: "", pat + "x": pat + "*", sharded: ""}, pubsubN)
			for _, m := range got {
				want := map[string]PubSubChannelMode{exact: Exact, pat + "x": Pattern, sharded: Sharded}[m.Channel]
				if m.Kind != want {
					t.Fatalf("%+v: kind %d, want %d", m, m.Kind, want)
				}
			}
			if d := sub.PubSubDropped(); d != 0 {
				t.Fatalf("%d dropped", d)
			}
		})
	}
}

func TestPubSubCallbackAndRuntimeSubscriptions(t *testing.T) {
	ch, pat, sh := key("rt"), key("rtp")+":", key("rts")
	got := make(chan PubSubMessage, 100) // the callback must not block: a buffer it never fills
	cfg := clusterConfig(t)
	cfg.Protocol = 2
	cfg.PubSub = &PubSubConfig{Callback: func(m PubSubMessage) { got <- m }}
	sub := newCluster(t, cfg)
	if sub.PubSubMessages() != nil {
		t.Fatal("PubSubMessages is not nil with a callback")
	}
	pub := clusterClient(t)
	if err := sub.Subscribe(ch); err != nil {
		t.Fatal(err)
	}
	if err := sub.PSubscribe(pat + "*"); err != nil {
		t.Fatal(err)
	}
	if err := sub.SSubscribe(sh); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(ch); err != nil { // idempotent
		t.Fatal(err)
	}
	for i := 0; i < pubsubN; i++ {
		publish(t, pub, payload(i), ch, false)
		publish(t, pub, payload(i), pat+"1", false)
		publish(t, pub, payload(i), sh, true)
	}
	checkInOrder(t, receive(t, got, 3*pubsubN),
		map[string]string{ch: "", pat + "1": pat + "*", sh: ""}, pubsubN)
	if err := sub.Unsubscribe(ch); err != nil {
		t.Fatal(err)
	}
	if err := sub.PUnsubscribe(); err != nil { // every pattern
		t.Fatal(err)
	}
	if err := sub.SUnsubscribe(sh); err != nil {
		t.Fatal(err)
	}
	publish(t, pub, "late", ch, false)
	publish(t, pub, "late", pat+"1", false)
	if n := publish(t, pub, "late", sh, true); n != 0 {
		t.Fatalf("SPUBLISH after SUnsubscribe reached %d", n)
	}
	nothingMore(t, got)
}

func TestPubSubNeedsASubscriberClient(t *testing.T) {
	c := clusterClient(t)
	for name, err := range map[string]error{"Subscribe": c.Subscribe(key("c")),
		"SSubscribe": c.SSubscribe(key("c")), "Unsubscribe": c.Unsubscribe()} {
		var re *RequestError
		if !errors.As(err, &re) || re.Kind != InvalidArgument ||
			!strings.Contains(re.Message, "without a PubSub configuration") {
			t.Fatalf("%s on a client without PubSub: %v", name, err)
		}
	}
	if c.PubSubMessages() != nil {
		t.Fatal("PubSubMessages is not nil without PubSub")
	}
	cfg := clusterConfig(t)
	cfg.PubSub = &PubSubConfig{Channels: []string{""}}
	if _, err := NewClusterClient(cfg); err == nil {
		t.Fatal("an empty channel was accepted")
	}
}

func TestPubSubCloseClosesTheChannel(t *testing.T) {
	cfg := clusterConfig(t)
	cfg.PubSub = &PubSubConfig{Channels: []string{key("c")}, ChannelSize: 1}
	sub, err := NewClusterClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pub := clusterClient(t)
	ch := cfg.PubSub.Channels[0]
	for i := 0; i < 3; i++ { // one is kept, two are dropped (nobody reads)
		publish(t, pub, payload(i), ch, false)
	}
	deadline := time.Now().Add(10 * time.Second)
	for sub.PubSubDropped() != 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if d := sub.PubSubDropped(); d != 2 {
		t.Fatalf("%d dropped, want 2", d)
	}
	sub.Close()
	msgs := sub.PubSubMessages()
	if m, ok := <-msgs; !ok || m.Message != payload(0) {
		t.Fatalf("first message %+v %v", m, ok)
	}
	if _, ok := <-msgs; ok {
		t.Fatal("the channel is still open after Close")
	}
	if err := sub.Subscribe(key("c")); err == nil {
		t.Fatal("Subscribe after Close succeeded")
	}
}

func TestPubSubStandaloneRESP2(t *testing.T) {
	s := servers(t)
	if s.standalonePort == 0 {
		t.Skip("no standalone server")
	}
	ch := key("s")
	addr := []NodeAddress{{Host: s.host, Port: s.standalonePort}}
	sub, err := NewClient(ClientConfiguration{Addresses: addr, Protocol: 2,
		PubSub: &PubSubConfig{Channels: []string{ch}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	pub := standaloneClient(t)
	for i := 0; i < pubsubN; i++ {
		r, err := pub.Exec(testCtx(t), NewBatch(false).Publish(payload(i), ch), true)
		if err != nil || r[0] != int64(1) {
			t.Fatalf("PUBLISH: %v %v", r, err)
		}
	}
	checkInOrder(t, receive(t, sub.PubSubMessages(), pubsubN), map[string]string{ch: ""}, pubsubN)
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if r, err := pub.Exec(testCtx(t), NewBatch(false).Publish("late", ch), true); err != nil || r[0] != int64(0) {
		t.Fatalf("PUBLISH after Unsubscribe: %v %v", r, err)
	}
	nothingMore(t, sub.PubSubMessages())
}
