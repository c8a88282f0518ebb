package glidec

import (
	"os"
	"strings"
	"testing"
)

// The load-time check, with fake version numbers: same major as MinLibraryVersion and at least
// it, or a clear error naming both versions.
func TestCheckVersion(t *testing.T) {
	cases := []struct {
		number uint32
		ok     bool
	}{
		{0x000200, true},  // 0.2.0: the minimum itself
		{0x000201, true},  // a later patch
		{0x000300, true},  // a later minor
		{0x00ff00, true},  // the last minor of major 0
		{0x0001ff, false}, // 0.1.255: older
		{0x000100, false}, // 0.1.0: no glide_version_number in reality
		{0x000000, false},
		{0x010000, false}, // 1.0.0: another major
		{0x010200, false},
	}
	for _, c := range cases {
		err := checkVersion(c.number, "libfake.so")
		if (err == nil) != c.ok {
			t.Errorf("checkVersion(%#06x) = %v, want ok=%v", c.number, err, c.ok)
			continue
		}
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "libfake.so") || !strings.Contains(msg, versionText(c.number)) ||
				!strings.Contains(msg, "needs 0.2.0 or a later 0.x") {
				t.Errorf("checkVersion(%#06x): unclear message %q", c.number, msg)
			}
		}
	}
	if got := versionText(0x010203); got != "1.2.3" {
		t.Errorf("versionText(0x010203) = %q", got)
	}
}

// The library the tests load passes the check, and its two version functions agree.
func TestLoadedLibraryPassesTheCheck(t *testing.T) {
	if os.Getenv("GLIDE_TEST_SERVERS") == "" {
		t.Skip("GLIDE_TEST_SERVERS is not set: the library may not be found either")
	}
	v, err := LibraryVersion()
	if err != nil {
		t.Fatal(err)
	}
	n := uint32(libraryVersionNumber())
	if versionText(n) != v {
		t.Fatalf("glide_version_number() is %s, glide_version() %q", versionText(n), v)
	}
	if err := checkVersion(n, "loaded"); err != nil {
		t.Fatal(err)
	}
}
