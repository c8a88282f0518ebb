package glidec

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The package's copy of the header must be the library's own.
func TestHeaderCopyIsIdentical(t *testing.T) {
	repo := filepath.Join("..", "..", "include", "glide_c.h")
	want, err := os.ReadFile(repo)
	if os.IsNotExist(err) {
		t.Skipf("%s not found: the package is not inside the glide-c source tree", repo)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("glide_c.h")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("bindings/go/glide_c.h differs from include/glide_c.h: copy it (cp include/glide_c.h bindings/go/)")
	}
}

func TestLibraryVersion(t *testing.T) {
	if os.Getenv("GLIDE_TEST_SERVERS") == "" {
		t.Skip("GLIDE_TEST_SERVERS is not set: the library may not be found either")
	}
	v, err := LibraryVersion()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "0.") {
		t.Fatalf("version %q", v)
	}
}

// A library that cannot be loaded is an error from NewClusterClient, not a crash; checked in a
// child process because the library is loaded once per process.
func TestLibraryNotFound(t *testing.T) {
	if os.Getenv("GLIDEC_TEST_CHILD") == "1" {
		_, err := NewClusterClient(ClusterClientConfiguration{Addresses: []NodeAddress{{Host: "127.0.0.1", Port: 1}}})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/libglide_c.so.0") {
			t.Fatalf("want a load error naming the path, got %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLibraryNotFound$", "-test.v")
	cmd.Env = append(os.Environ(), "GLIDEC_TEST_CHILD=1", "GLIDE_C_LIBRARY=/nonexistent/libglide_c.so.0")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestLibraryNotFound") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestBadConfig(t *testing.T) {
	s := servers(t)
	good := NodeAddress{Host: s.host, Port: s.clusterPorts[0]}
	cases := map[string]ClusterClientConfiguration{
		"no address":       {},
		"port 0":           {Addresses: []NodeAddress{{Host: s.host, Port: 0}}},
		"port 70000":       {Addresses: []NodeAddress{{Host: s.host, Port: 70000}}},
		"empty host":       {Addresses: []NodeAddress{{Host: "", Port: good.Port}}},
		"NUL in host":      {Addresses: []NodeAddress{{Host: "127.0.0.1\x00x", Port: good.Port}}},
		"negative timeout": {Addresses: []NodeAddress{good}, RequestTimeout: -time.Second},
		"huge timeout":     {Addresses: []NodeAddress{good}, RequestTimeout: 2 * time.Hour},
		"protocol 4":       {Addresses: []NodeAddress{good}, Protocol: 4},
		"space in name":    {Addresses: []NodeAddress{good}, ClientName: "a b"},
	}
	for name, cfg := range cases {
		c, err := NewClusterClient(cfg)
		if c != nil {
			c.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		requestError(t, err, InvalidArgument)
	}
	// TLS to a plain-text server: the TLS handshake never completes (a TLS error, not a hang).
	_, err := NewClusterClient(ClusterClientConfiguration{Addresses: []NodeAddress{good}, UseTLS: true})
	requestError(t, err, TLS)
	if s.authPort != 0 {
		addr := []NodeAddress{{Host: s.host, Port: s.authPort}}
		_, err = NewClient(ClientConfiguration{Addresses: addr, Credentials: &ServerCredentials{Password: "wrong"}})
		requestError(t, err, Auth)
		c, err := NewClient(ClientConfiguration{Addresses: addr, Credentials: &ServerCredentials{Username: "glideuser", Password: "glide-pass"}})
		if err != nil {
			t.Fatalf("ACL user: %v", err)
		}
		defer c.Close()
		r, err := c.CustomCommand(testCtx(t), []string{"ACL", "WHOAMI"})
		expect(t, "ACL WHOAMI", []any{r, err}, []any{[]byte("glideuser"), nil})
	}
}

// Bad input is refused before anything is sent: the SET before the bad command is not run.
func TestBadBatchInput(t *testing.T) {
	c := clusterClient(t)
	ctx := testCtx(t)
	k := key("bad-input")
	cases := map[string]struct {
		batch *ClusterBatch
		opts  ClusterBatchOptions
	}{
		"empty batch":           {NewClusterBatch(false), ClusterBatchOptions{}},
		"command without name":  {NewClusterBatch(false).Set(k, "v").CustomCommand(), ClusterBatchOptions{}},
		"atomic with retries":   {NewClusterBatch(true).Set(k, "v"), ClusterBatchOptions{RetryServerError: true}},
		"slot out of range":     {NewClusterBatch(false).Set(k, "v"), ClusterBatchOptions{Route: SlotIdRoute{Slot: 16384}}},
		"route port 0":          {NewClusterBatch(false).Set(k, "v"), ClusterBatchOptions{Route: ByAddressRoute{Host: "127.0.0.1"}}},
		"NUL in route host":     {NewClusterBatch(false).Set(k, "v"), ClusterBatchOptions{Route: ByAddressRoute{Host: "a\x00", Port: 1}}},
		"negative timeout":      {NewClusterBatch(false).Set(k, "v"), ClusterBatchOptions{Timeout: -1}},
		"cleared batch":         {NewClusterBatch(false).Set(k, "v").Clear(), ClusterBatchOptions{}},
		"atomic cleared batch":  {NewClusterBatch(true).Set(k, "v").Clear(), ClusterBatchOptions{}},
		"atomic without a name": {NewClusterBatch(true).Set(k, "v").CustomCommand(), ClusterBatchOptions{}},
	}
	for name, tc := range cases {
		for _, raise := range []bool{false, true} {
			r, err := c.ExecWithOptions(ctx, tc.batch, raise, tc.opts)
			if err == nil {
				t.Fatalf("%s: no error, result %s", name, show(r))
			}
			requestError(t, err, InvalidArgument)
		}
	}
	_, err := c.CustomCommand(ctx, nil)
	requestError(t, err, InvalidArgument)
	_, err = c.Exec(ctx, nil, false)
	requestError(t, err, InvalidArgument)
	r, err := c.CustomCommand(ctx, []string{"EXISTS", k})
	expect(t, "nothing was sent", []any{r, err}, []any{int64(0), nil})
}
