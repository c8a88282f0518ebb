package glidec

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testServers are the servers the tests run against, from the servers.env file that
// tests/scripts/test_servers.sh writes (its path in GLIDE_TEST_SERVERS).
type testServers struct {
	host           string
	clusterPorts   []int
	standalonePort int
	authPort       int // requirepass glide-secret; ACL user glideuser / glide-pass
}

func servers(t testing.TB) testServers {
	t.Helper()
	path := os.Getenv("GLIDE_TEST_SERVERS")
	if path == "" {
		t.Skip("GLIDE_TEST_SERVERS is not set (see README.md: start servers with tests/scripts/test_servers.sh)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("GLIDE_TEST_SERVERS: %v", err)
	}
	defer f.Close()
	var s testServers
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "GLIDE_TEST_HOST":
			s.host = v
		case "GLIDE_TEST_CLUSTER_PORTS":
			for _, p := range strings.Split(v, ",") {
				n, err := strconv.Atoi(p)
				if err != nil {
					t.Fatalf("%s: bad port %q", path, p)
				}
				s.clusterPorts = append(s.clusterPorts, n)
			}
		case "GLIDE_TEST_STANDALONE_PORT":
			s.standalonePort, _ = strconv.Atoi(v)
		case "GLIDE_TEST_AUTH_PORT":
			s.authPort, _ = strconv.Atoi(v)
		}
	}
	if s.host == "" || len(s.clusterPorts) == 0 {
		t.Fatalf("%s: no GLIDE_TEST_HOST or GLIDE_TEST_CLUSTER_PORTS", path)
	}
	return s
}

func clusterConfig(t testing.TB) ClusterClientConfiguration {
	s := servers(t)
	return ClusterClientConfiguration{Addresses: []NodeAddress{{Host: s.host, Port: s.clusterPorts[0]}}}
}

func newCluster(t testing.TB, cfg ClusterClientConfiguration) *ClusterClient {
	t.Helper()
	c, err := NewClusterClient(cfg)
	if err != nil {
		t.Fatalf("NewClusterClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func clusterClient(t testing.TB) *ClusterClient { return newCluster(t, clusterConfig(t)) }

func standaloneClient(t testing.TB) *Client {
	t.Helper()
	s := servers(t)
	if s.standalonePort == 0 {
		t.Skip("no standalone server in GLIDE_TEST_SERVERS")
	}
	c, err := NewClient(ClientConfiguration{Addresses: []NodeAddress{{Host: s.host, Port: s.standalonePort}}})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

var keySeq int64

// key returns a key no other test (or earlier run) uses.
func key(name string) string {
	return fmt.Sprintf("go-test:%s:%d:%d", name, os.Getpid(), atomic.AddInt64(&keySeq, 1))
}

// testCtx bounds every test's requests.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitInflight waits (bounded) until every reply tree has been freed.
func waitInflight(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for atomic.LoadInt64(&inflight) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d reply trees still not freed after 10 s", atomic.LoadInt64(&inflight))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
