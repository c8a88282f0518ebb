package glidec

import (
	"bufio"
	"errors"
	"fmt"
	"math/big"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustExec(t *testing.T, c *ClusterClient, b *ClusterBatch) []any {
	t.Helper()
	r, err := c.Exec(testCtx(t), b, false)
	if err != nil {
		t.Fatalf("Exec: %v", err)
	}
	if len(r) != b.Size() {
		t.Fatalf("Exec: %d elements for %d commands: %s", len(r), b.Size(), show(r))
	}
	return r
}

func expect(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %#v, want %#v", what, got, want)
	}
}

func requestError(t *testing.T, err any, kind ErrorKind) *RequestError {
	t.Helper()
	e, ok := err.(error)
	var re *RequestError
	if !ok || !errors.As(e, &re) {
		t.Fatalf("want a *RequestError of kind %v, got %#v", kind, err)
	}
	if re.Kind != kind {
		t.Fatalf("want kind %v, got %v (%s)", kind, re.Kind, re.Message)
	}
	return re
}

func TestCopy(t *testing.T) {
	c := clusterClient(t)
	src, dst := key("{copy}src"), key("{copy}dst")
	for _, atomic := range []bool{false, true} {
		b := NewClusterBatch(atomic)
		b.Set(src, "one").Copy(src, dst, false).Set(src, "two").Copy(src, dst, false).
			Copy(src, dst, true).Get(dst).Del([]string{src, dst})
		r := mustExec(t, c, b)
		expect(t, fmt.Sprintf("copy (atomic %v)", atomic), r,
			[]any{"OK", true, "OK", false, true, []byte("two"), int64(2)})
	}
}

// subscribeSharded subscribes to a shard channel on a raw connection to the node owning its
// slot (the library does not support subscriptions yet); the connection is closed at cleanup.
func subscribeSharded(t *testing.T, channel string) {
	t.Helper()
	s := servers(t)
	for _, port := range s.clusterPorts {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", s.host, port), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "*2\r\n$10\r\nSSUBSCRIBE\r\n$%d\r\n%s\r\n", len(channel), channel)
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "*3") || strings.HasPrefix(line, ">3") {
			_ = conn.SetDeadline(time.Time{})
			t.Cleanup(func() { conn.Close() })
			return
		}
		conn.Close() // -MOVED: not this node
	}
	t.Fatalf("no cluster node accepted SSUBSCRIBE %s", channel)
}

func TestPublishAndShardPubsub(t *testing.T) {
	c := clusterClient(t)
	ch, other := key("shard-ch"), key("shard-none")
	subscribeSharded(t, ch)
	b := NewClusterBatch(false)
	b.Publish("hello", ch, true).Publish("hello", ch, false).Publish("hi", other, true).
		PubsubShardChannels(ch[:len(ch)-1]+"*").PubsubShardNumSub(ch, other).PubsubShardNumSub().
		PubsubShardChannels("")
	r := mustExec(t, c, b)
	expect(t, "SPUBLISH to the subscribed channel", r[0], int64(1))
	expect(t, "PUBLISH (no exact subscriber)", r[1], int64(0))
	expect(t, "SPUBLISH to a channel without subscriber", r[2], int64(0))
	expect(t, "PUBSUB SHARDCHANNELS pattern", r[3], []any{[]byte(ch)})
	expect(t, "PUBSUB SHARDNUMSUB", r[4], map[string]any{ch: int64(1), other: int64(0)})
	expect(t, "PUBSUB SHARDNUMSUB without channels", r[5], map[string]any{})
	all, ok := r[6].([]any)
	found := false
	for _, x := range all {
		found = found || reflect.DeepEqual(x, []byte(ch))
	}
	if !ok || !found {
		t.Fatalf("PUBSUB SHARDCHANNELS: %s does not list %s", show(r[6]), ch)
	}
	// The sharded publish in a transaction: routed by the channel's slot.
	tx := NewClusterBatch(true)
	tx.Publish("again", ch, true)
	expect(t, "atomic SPUBLISH", mustExec(t, c, tx), []any{int64(1)})
}

func TestCommonCommands(t *testing.T) {
	c := clusterClient(t)
	k1, k2, k3 := key("{a}common"), key("{b}common"), key("{c}common")
	h, l, n := key("hash"), key("list"), key("counter")
	b := NewClusterBatch(false)
	b.MSet(map[string]string{k1: "v1", k2: "v2"}).MGet([]string{k1, k2, k3}).Incr(n).Incr(n).
		HSet(h, map[string]string{"f": "x"}).HGet(h, "f").HGet(h, "missing").
		LPush(l, []string{"a", "b", "c"}).LRange(l, 0, -1).Get(k3).
		CustomCommand("SMEMBERS", h+"-set").Del([]string{k1, k2, k3, h, l, n})
	r := mustExec(t, c, b)
	expect(t, "results", r, []any{
		"OK", []any{[]byte("v1"), []byte("v2"), nil}, int64(1), int64(2), int64(1), []byte("x"), nil,
		int64(3), []any{[]byte("c"), []byte("b"), []byte("a")}, nil, map[string]struct{}{}, int64(5),
	})
}

func TestCustomCommandOnClient(t *testing.T) {
	c := clusterClient(t)
	ctx := testCtx(t)
	k := key("custom")
	r, err := c.CustomCommand(ctx, []string{"SET", k, "v"})
	expect(t, "SET", []any{r, err}, []any{"OK", nil})
	r, err = c.CustomCommand(ctx, []string{"GET", k})
	expect(t, "GET", []any{r, err}, []any{[]byte("v"), nil})
	// A multi-slot command is split and combined by the library.
	r, err = c.CustomCommand(ctx, []string{"DEL", k, key("{x}other"), key("{y}other")})
	expect(t, "DEL", []any{r, err}, []any{int64(1), nil})
	_, err = c.CustomCommand(ctx, []string{"NOSUCHCOMMAND"})
	requestError(t, err, Server)
}

func TestErrorsInPlaceAndRaised(t *testing.T) {
	c := clusterClient(t)
	k, other := key("{e}wrongtype"), key("{e}fine")
	b := NewClusterBatch(false)
	b.Set(k, "string").LPush(k, []string{"x"}).Set(other, "ok").Get(other)
	r, err := c.Exec(testCtx(t), b, false)
	if err != nil {
		t.Fatal(err)
	}
	e := requestError(t, r[1], Server)
	if !strings.HasPrefix(e.Message, "WRONGTYPE") || !strings.Contains(e.Error(), "SERVER: WRONGTYPE") {
		t.Fatalf("message %q / %q", e.Message, e.Error())
	}
	expect(t, "the other elements", []any{r[0], r[2], r[3]}, []any{"OK", "OK", []byte("ok")})

	r, err = c.Exec(testCtx(t), b, true)
	if r != nil {
		t.Fatalf("raiseOnError: result %s with the error", show(r))
	}
	requestError(t, err, Server)

	// Atomic: the server runs the rest of the transaction; the error stays in place.
	tx := NewClusterBatch(true)
	tx.Set(k, "s").LPush(k, []string{"x"}).Get(k)
	r, err = c.Exec(testCtx(t), tx, false)
	if err != nil {
		t.Fatal(err)
	}
	requestError(t, r[1], Server)
	expect(t, "transaction after the error", r[2], []byte("s"))
	_, err = c.Exec(testCtx(t), tx, true)
	requestError(t, err, Server)

	// Whole-batch failures are Exec's error either way.
	abort := NewClusterBatch(true)
	abort.Set(k, "v").CustomCommand("SET", k) // wrong arity: the server discards the transaction
	for _, raise := range []bool{false, true} {
		_, err = c.Exec(testCtx(t), abort, raise)
		requestError(t, err, ExecAbort)
	}
	cross := NewClusterBatch(true)
	cross.Set(key("{a}x"), "1").Set(key("{b}x"), "2")
	_, err = c.Exec(testCtx(t), cross, false)
	requestError(t, err, CrossSlot)
}

func TestWatchAbort(t *testing.T) {
	c := clusterClient(t)
	other := clusterClient(t)
	ctx := testCtx(t)
	k := key("watch")
	if _, err := c.CustomCommand(ctx, []string{"SET", k, "orig"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CustomCommand(ctx, []string{"WATCH", k}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.CustomCommand(ctx, []string{"SET", k, "changed"}); err != nil {
		t.Fatal(err)
	}
	tx := NewClusterBatch(true)
	tx.Set(k, "mine").Get(k)
	r, err := c.Exec(ctx, tx, false)
	if r != nil || err != nil {
		t.Fatalf("WATCH abort: got %s, %v; want nil, nil", show(r), err)
	}
	// Without interference the transaction runs.
	if _, err := c.CustomCommand(ctx, []string{"WATCH", k}); err != nil {
		t.Fatal(err)
	}
	r, err = c.Exec(ctx, tx, false)
	expect(t, "watched transaction", []any{r, err}, []any{[]any{"OK", []byte("mine")}, nil})
}

func TestBinaryData(t *testing.T) {
	c := clusterClient(t)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	k := key("bin\x00\xff\r\n")
	v := string(all) + "\x00"
	b := NewClusterBatch(false)
	b.Set(k, v).Get(k).MGet([]string{k}).Set(k, "").Get(k).Del([]string{k})
	r := mustExec(t, c, b)
	expect(t, "binary", r, []any{"OK", []byte(v), []any{[]byte(v)}, "OK", []byte{}, int64(1)})
}

// The RESP3 types, from DEBUG PROTOCOL on the standalone server.
func TestValueTypes(t *testing.T) {
	c := standaloneClient(t)
	b := NewBatch(false)
	for _, typ := range []string{"string", "integer", "double", "bignum", "null", "array", "set",
		"map", "verbatim", "true", "false"} {
		b.CustomCommand("DEBUG", "PROTOCOL", typ)
	}
	r, err := c.Exec(testCtx(t), b, false)
	if err != nil {
		t.Fatal(err)
	}
	bignum, _ := new(big.Int).SetString("1234567999999999999999999999999999999", 10)
	want := []any{
		[]byte("Hello World"), int64(12345), 3.141, bignum, nil,
		[]any{int64(0), int64(1), int64(2)},
		map[string]struct{}{"0": {}, "1": {}, "2": {}},
		map[string]any{"0": false, "1": true, "2": false},
		"This is a verbatim\nstring", true, false,
	}
	expect(t, "DEBUG PROTOCOL", r, want)
}

func TestStandaloneClient(t *testing.T) {
	c := standaloneClient(t)
	k1, k2 := key("sa1"), key("sa2")
	for _, atomic := range []bool{true, false} {
		b := NewBatch(atomic)
		b.Set(k1, "v1").Set(k2, "v2").Get(k1).MGet([]string{k1, k2}).Copy(k1, k2, true).
			Get(k2).Publish("m", key("chan")).Del([]string{k1, k2})
		r, err := c.Exec(testCtx(t), b, false)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, fmt.Sprintf("standalone (atomic %v)", atomic), r, []any{"OK", "OK", []byte("v1"),
			[]any{[]byte("v1"), []byte("v2")}, true, []byte("v1"), int64(0), int64(2)})
	}
	r, err := c.ExecWithOptions(testCtx(t), NewBatch(false).CustomCommand("PING"), true, BatchOptions{Timeout: time.Second})
	expect(t, "PING", []any{r, err}, []any{[]any{"PONG"}, nil})
	r2, err := c.CustomCommand(testCtx(t), []string{"ECHO", "x"})
	expect(t, "ECHO", []any{r2, err}, []any{[]byte("x"), nil})
}

func TestOptionsRoutesAndTimeout(t *testing.T) {
	c := clusterClient(t)
	s := servers(t)
	ctx := testCtx(t)
	port := s.clusterPorts[1]
	b := NewClusterBatch(false).CustomCommand("CONFIG", "GET", "port")
	r, err := c.ExecWithOptions(ctx, b, true, ClusterBatchOptions{Route: ByAddressRoute{Host: s.host, Port: port}})
	expect(t, "by address", []any{r, err}, []any{[]any{map[string]any{"port": []byte(fmt.Sprint(port))}}, nil})

	for _, route := range []Route{RandomRoute{}, SlotKeyRoute{Key: "k"}, SlotIdRoute{Slot: 100}, SlotKeyRoute{Key: "k", Replica: true}} {
		r, err := c.ExecWithOptions(ctx, NewClusterBatch(false).CustomCommand("PING"), true, ClusterBatchOptions{Route: route})
		expect(t, fmt.Sprintf("route %#v", route), []any{r, err}, []any{[]any{"PONG"}, nil})
	}

	// A batch timeout: the blocked command becomes a TIMEOUT element, the other is answered.
	k := key("{t}blpop")
	slow := NewClusterBatch(false).Set(key("{t}x"), "1").CustomCommand("BLPOP", k, "2")
	start := time.Now()
	r, err = c.ExecWithOptions(ctx, slow, false, ClusterBatchOptions{Timeout: 150 * time.Millisecond, RetryServerError: true})
	if err != nil {
		t.Fatal(err)
	}
	requestError(t, r[1], Timeout)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("timeout 150 ms took %v", d)
	}
}
