package deploy_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// bin is ospofeed built as the Dockerfile builds it (static, no cgo), for
// the image and for the tests that run serve as a process of its own.
var bin string

// buildFlags are the Dockerfile's: the image test puts this very binary in
// the image.
var buildFlags = []string{"build", "-trimpath", "-tags", "timetzdata", "-ldflags", "-s -w -X main.version=deploy-test"}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ospofeed-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "ospofeed")
	cmd := exec.Command(goTool(), append(buildFlags, "-o", bin, "../cmd/ospofeed")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/ospofeed: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// writeConfig writes a configuration whose sources are the embedded
// default's, every host of which connect_to sends to the fixture site,
// followed by extra (more sources); top is put before the sources (a
// backup: section). The file and its directory are readable by anyone:
// the image's user mounts it.
func writeConfig(t *testing.T, site *fixture.Site, top, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("contact: https://example.org/ospofeed-tests\n")
	b.WriteString("site:\n  title: ospofeed deploy test\n  base_url: https://feeds.example.org\n  author: ospofeed tests\n")
	b.WriteString("crawl:\n  delay_per_host: 5ms\n  request_timeout: 10s\n  max_backoff: 2s\n  allow_private: true\n  connect_to:\n")
	hosts := site.Hosts()
	sort.Strings(hosts)
	for _, h := range hosts {
		fmt.Fprintf(&b, "    %s: %q\n", h, site.Addr())
	}
	b.WriteString(top)
	def, err := os.ReadFile("../config/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, sources, ok := strings.Cut(string(def), "\nsources:\n")
	if !ok {
		t.Fatal("default.yaml has no sources")
	}
	b.WriteString("sources:\n" + sources + extra)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ospofeed.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// failingSource is a source whose page answers 404: its crawl fails.
const failingSource = `
  - id: gone-event
    kind: un-event
    name: An event page that was removed
    url: https://www.un.org/techenvoy/content/ospos-good-1999
    keywords: ["OSPOs for Good"]
`

// ownerOf is the uid that owns a file.
func ownerOf(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
