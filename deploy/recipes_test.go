package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The recipes in deploy/ must agree with the binary (every command and
// flag they use exists) and with the Dockerfile (image user, volume,
// entrypoint, port); these tests read them as the tools would.

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case
	args string
	line int
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = n
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start})
		cur.Reset()
	}
	return out
}

// dockerfile holds what the recipes must agree with.
type dockerfile struct {
	user, volume, port string
	entrypoint         []string
	env                map[string]string
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	d := dockerfile{env: map[string]string{}}
	var froms []string
	for _, ins := range parseDockerfile(t, "../Dockerfile") {
		switch ins.cmd {
		case "FROM":
			froms = append(froms, ins.args)
		case "USER":
			d.user = ins.args
		case "VOLUME":
			var v []string
			if err := json.Unmarshal([]byte(ins.args), &v); err != nil || len(v) != 1 {
				t.Fatalf("Dockerfile:%d: VOLUME %s: want one volume in the exec form", ins.line, ins.args)
			}
			d.volume = v[0]
		case "EXPOSE":
			d.port = ins.args
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(ins.args), &d.entrypoint); err != nil {
				t.Fatalf("Dockerfile:%d: ENTRYPOINT %s: want the exec form", ins.line, ins.args)
			}
		case "HEALTHCHECK":
			_, cmd, ok := strings.Cut(ins.args, "CMD ")
			var hc []string
			if !ok || json.Unmarshal([]byte(cmd), &hc) != nil || len(d.entrypoint) > 0 {
				t.Errorf("Dockerfile:%d: HEALTHCHECK %s: want the exec form, before ENTRYPOINT", ins.line, ins.args)
			} else if strings.Join(hc, " ") != "/ospofeed healthcheck" {
				t.Errorf("Dockerfile:%d: HEALTHCHECK runs %q; want /ospofeed healthcheck", ins.line, hc)
			}
		case "ENV":
			for _, kv := range strings.Fields(ins.args) {
				k, v, _ := strings.Cut(kv, "=")
				d.env[k] = v
			}
		}
	}
	// Users build with one command: the build stage is the Go toolchain of
	// go.mod, and the image pulls nothing else.
	goMod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	if len(froms) != 2 || froms[0] != "golang:"+string(goVersion[1])+" AS build" || froms[1] != "scratch" {
		t.Errorf("Dockerfile stages = %q; want golang:%s AS build, then scratch", froms, goVersion[1])
	}
	if !strings.HasSuffix(d.env["OSPOFEED_ADDR"], ":"+d.port) {
		t.Errorf("Dockerfile: OSPOFEED_ADDR %q does not listen on the EXPOSEd port %s", d.env["OSPOFEED_ADDR"], d.port)
	}
	if d.env["OSPOFEED_DB"] != d.volume+"/ospofeed.db" {
		t.Errorf("Dockerfile: OSPOFEED_DB %q is not in the VOLUME %s", d.env["OSPOFEED_DB"], d.volume)
	}
	if len(d.entrypoint) != 1 || d.entrypoint[0] != "/ospofeed" {
		t.Errorf("Dockerfile: ENTRYPOINT %q; want [\"/ospofeed\"]", d.entrypoint)
	}
	// The user is a number (no passwd lookup needed by runtimes that check
	// runAsNonRoot) and has its entry in the image's passwd.
	uid, _, _ := strings.Cut(d.user, ":")
	if _, err := strconv.Atoi(uid); err != nil || uid == "0" {
		t.Errorf("Dockerfile: USER %q; want a numeric non-root user", d.user)
	}
	passwd, _ := os.ReadFile("image/passwd")
	if !regexp.MustCompile(`(?m)^[a-z]+:x:` + uid + `:`).Match(passwd) {
		t.Errorf("image/passwd has no entry for uid %s", uid)
	}
	return d
}

func TestDockerfile(t *testing.T) {
	d := readDockerfile(t)
	if d.user != "65532:65532" || d.volume != "/data" || d.port != "8080" {
		t.Errorf("Dockerfile USER %q, VOLUME %q, EXPOSE %q; want 65532:65532, /data, 8080", d.user, d.volume, d.port)
	}
}

// flags runs `ospofeed <cmd> -h` and returns the flag names and their
// defaults as the help prints them.
var (
	flagsMu    sync.Mutex
	flagsCache = map[string]map[string]string{}
)

func commandFlags(t *testing.T, cmd string) map[string]string {
	t.Helper()
	flagsMu.Lock()
	defer flagsMu.Unlock()
	if f, ok := flagsCache[cmd]; ok {
		return f
	}
	c := exec.Command(bin, cmd, "-h")
	c.Env = []string{} // the defaults, not this machine's OSPOFEED_*
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("ospofeed %s -h: %v\n%s", cmd, err, out)
	}
	flags := map[string]string{}
	flagLine := regexp.MustCompile(`^  -([a-z0-9-]+)`)
	def := regexp.MustCompile(`\(default "?([^")]*)"?\)$`)
	var last string
	for _, line := range strings.Split(string(out), "\n") {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			last = m[1]
			flags[last] = ""
		}
		if m := def.FindStringSubmatch(line); m != nil && last != "" {
			flags[last] = m[1]
		}
	}
	if len(flags) == 0 {
		t.Fatalf("ospofeed %s -h lists no flags:\n%s", cmd, out)
	}
	flagsCache[cmd] = flags
	return flags
}

// checkArgs checks a command line of the image or the binary (without the
// program): the command exists and every flag it passes is one of its flags.
// It returns the flags' values.
func checkArgs(t *testing.T, where string, args []string) map[string]string {
	t.Helper()
	if len(args) == 0 {
		t.Errorf("%s: no command", where)
		return nil
	}
	commands := []string{"serve", "crawl", "sources", "backup", "compact", "healthcheck"}
	if !slices.Contains(commands, args[0]) {
		t.Errorf("%s: %q is not an ospofeed command (%v)", where, args[0], commands)
		return nil
	}
	known := commandFlags(t, args[0])
	values := map[string]string{}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			t.Errorf("%s: %q: ospofeed %s takes no arguments, only flags", where, a, args[0])
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if _, ok := known[name]; !ok {
			t.Errorf("%s: ospofeed %s has no flag --%s", where, args[0], name)
			continue
		}
		if !hasValue && name != "no-crawl" && i+1 < len(args) {
			i++
			value = args[i]
		}
		values[name] = value
	}
	return values
}

// envNames are the OSPOFEED_* variables the binary reads: those its help
// names, and OSPOFEED_ADMIN_TOKEN.
func envKnown(t *testing.T, name string) bool {
	t.Helper()
	if name == "OSPOFEED_ADMIN_TOKEN" {
		return true
	}
	for _, cmd := range []string{"serve", "crawl"} {
		c := exec.Command(bin, cmd, "-h")
		out, _ := c.CombinedOutput()
		if strings.Contains(string(out), "env "+name+")") || strings.Contains(string(out), "env "+name+";") {
			return true
		}
	}
	return false
}

func duration(t *testing.T, where, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Errorf("%s: %q is not a duration", where, s)
	}
	return d
}

// shutdownGrace is serve's --shutdown-timeout default: every recipe gives
// serve longer than that to stop.
func shutdownGrace(t *testing.T) time.Duration {
	return duration(t, "serve -h", commandFlags(t, "serve")["shutdown-timeout"])
}

func readYAMLDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// dig walks a YAML tree along keys (strings for mappings, ints for lists).
func dig(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func strs(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

func TestCompose(t *testing.T) {
	d := readDockerfile(t)
	docs := readYAMLDocs(t, "compose.yaml")
	if len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents", len(docs))
	}
	services, _ := dig(docs[0], "services").(map[string]any)
	volumes, _ := dig(docs[0], "volumes").(map[string]any)
	for _, name := range []string{"ospofeed", "crawl", "web"} {
		if services[name] == nil {
			t.Fatalf("compose.yaml has no service %s", name)
		}
	}
	mounts := func(svc string) map[string]string { // container path -> source
		out := map[string]string{}
		for _, v := range strs(dig(services, svc, "volumes")) {
			parts := strings.Split(v, ":")
			if len(parts) < 2 {
				t.Errorf("compose.yaml: %s: volume %q", svc, v)
				continue
			}
			out[parts[1]] = parts[0]
			if !strings.HasPrefix(parts[0], ".") && volumes[parts[0]] == nil && !strings.HasPrefix(parts[0], "/") {
				t.Errorf("compose.yaml: %s mounts the volume %q, which is not declared", svc, parts[0])
			}
			if strings.HasPrefix(parts[0], ".") && !fileExists(parts[0]) {
				t.Errorf("compose.yaml: %s mounts %s, which is not in deploy/", svc, parts[0])
			}
		}
		return out
	}
	for _, svc := range []string{"ospofeed", "crawl"} {
		where := "compose.yaml: " + svc
		if img := str(dig(services, svc, "image")); img != "ospofeed:latest" {
			t.Errorf("%s: image %q; want ospofeed:latest", where, img)
		}
		if b := str(dig(services, svc, "build")); b == "" || !fileExists(filepath.Join(b, "Dockerfile")) {
			t.Errorf("%s: build %q is not the directory of the Dockerfile", where, b)
		}
		if _, ok := mounts(svc)[d.volume]; !ok {
			t.Errorf("%s: nothing mounted on the image's volume %s", where, d.volume)
		}
		for k := range dig(services, svc, "environment").(map[string]any) {
			if !envKnown(t, k) {
				t.Errorf("%s: environment %s is not read by ospofeed", where, k)
			}
		}
	}
	// serve: the port, the stop grace.
	serve := checkArgs(t, "compose.yaml: ospofeed", strs(dig(services, "ospofeed", "command")))
	if port := strings.TrimPrefix(or(serve["addr"], d.env["OSPOFEED_ADDR"]), ":"); port != d.port {
		t.Errorf("compose.yaml: serve listens on %s; want the image's port %s", port, d.port)
	}
	if p := strs(dig(services, "ospofeed", "ports")); len(p) != 1 || !strings.HasSuffix(p[0], ":"+d.port) {
		t.Errorf("compose.yaml: ospofeed ports %q; want one mapped to the image's port %s", p, d.port)
	}
	if g := duration(t, "compose.yaml: stop_grace_period", str(dig(services, "ospofeed", "stop_grace_period"))); g <= shutdownGrace(t) {
		t.Errorf("compose.yaml: stop_grace_period %s; want more than serve's --shutdown-timeout %s", g, shutdownGrace(t))
	}
	// static: crawl writes where nginx reads.
	crawl := checkArgs(t, "compose.yaml: crawl", strs(dig(services, "crawl", "command")))
	if crawl["out"] == "" {
		t.Fatal("compose.yaml: crawl has no --out")
	}
	site := mounts("crawl")[crawl["out"]]
	webMounts := mounts("web")
	if site == "" || webMounts["/usr/share/nginx/html"] != site {
		t.Errorf("compose.yaml: crawl writes %s (volume %q) but web serves volume %q", crawl["out"], site, webMounts["/usr/share/nginx/html"])
	}
	if mounts("crawl")[d.volume] == mounts("ospofeed")[d.volume] {
		t.Error("compose.yaml: serve and the static crawl share a database volume; each needs its own (the database is locked by its user)")
	}
	if conf := webMounts["/etc/nginx/conf.d/default.conf"]; conf != "./nginx/ospofeed.conf" {
		t.Errorf("compose.yaml: web's configuration is %q; want ./nginx/ospofeed.conf", conf)
	}
}

// k8sObjects indexes a manifest's objects by kind/name.
func k8sObjects(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, doc := range readYAMLDocs(t, path) {
		out[str(doc["kind"])+"/"+str(dig(doc, "metadata", "name"))] = doc
	}
	return out
}

// checkPod checks a pod template against the image and the binary and
// returns its container's flags.
func checkPod(t *testing.T, where string, pod any, objs map[string]map[string]any, d dockerfile) (map[string]string, any) {
	t.Helper()
	c := dig(pod, "containers", 0)
	if img := str(dig(c, "image")); img != "ospofeed:latest" {
		t.Errorf("%s: image %q; want ospofeed:latest (the image compose builds)", where, img)
	}
	if dig(c, "command") != nil {
		t.Errorf("%s: command replaces the image's ENTRYPOINT %q; use args", where, d.entrypoint)
	}
	flags := checkArgs(t, where, strs(dig(c, "args")))
	uid, _, _ := strings.Cut(d.user, ":")
	if got := str(dig(pod, "securityContext", "runAsUser")); got != uid {
		t.Errorf("%s: runAsUser %s; want the image's user %s", where, got, uid)
	}
	if got := str(dig(pod, "securityContext", "fsGroup")); got != uid {
		t.Errorf("%s: fsGroup %s; want %s, so that the volume is the user's", where, got, uid)
	}
	if dig(c, "securityContext", "allowPrivilegeEscalation") != false || dig(c, "securityContext", "readOnlyRootFilesystem") != true {
		t.Errorf("%s: want allowPrivilegeEscalation: false and readOnlyRootFilesystem: true", where)
	}
	var mounted bool
	for i := 0; dig(c, "volumeMounts", i) != nil; i++ {
		if str(dig(c, "volumeMounts", i, "mountPath")) != d.volume {
			continue
		}
		mounted = true
		name := str(dig(c, "volumeMounts", i, "name"))
		for j := 0; dig(pod, "volumes", j) != nil; j++ {
			if str(dig(pod, "volumes", j, "name")) == name {
				claim := str(dig(pod, "volumes", j, "persistentVolumeClaim", "claimName"))
				if objs["PersistentVolumeClaim/"+claim] == nil {
					t.Errorf("%s: volume %s claims %q, which the manifest does not define", where, name, claim)
				}
			}
		}
	}
	if !mounted {
		t.Errorf("%s: nothing mounted on the image's volume %s", where, d.volume)
	}
	for i := 0; dig(c, "env", i) != nil; i++ {
		if k := str(dig(c, "env", i, "name")); !envKnown(t, k) {
			t.Errorf("%s: env %s is not read by ospofeed", where, k)
		}
	}
	for _, r := range []string{"cpu", "memory"} {
		if dig(c, "resources", "requests", r) == nil {
			t.Errorf("%s: no %s request", where, r)
		}
	}
	return flags, c
}

func TestKubernetesDeployment(t *testing.T) {
	d := readDockerfile(t)
	objs := k8sObjects(t, "kubernetes/deployment.yaml")
	dep := objs["Deployment/ospofeed"]
	if dep == nil {
		t.Fatal("deployment.yaml has no Deployment ospofeed")
	}
	if r := str(dig(dep, "spec", "replicas")); r != "1" || str(dig(dep, "spec", "strategy", "type")) != "Recreate" {
		t.Errorf("Deployment: replicas %s, strategy %v; want 1 and Recreate (one process holds the database)", r, dig(dep, "spec", "strategy", "type"))
	}
	pod := dig(dep, "spec", "template", "spec")
	flags, c := checkPod(t, "deployment.yaml", pod, objs, d)
	if a := dig(c, "args", 0); a != "serve" {
		t.Fatalf("deployment.yaml: args start with %v; want serve", a)
	}
	port := strings.TrimPrefix(or(flags["addr"], d.env["OSPOFEED_ADDR"]), ":")
	if port != d.port || str(dig(c, "ports", 0, "containerPort")) != d.port {
		t.Errorf("deployment.yaml: serve listens on %s, containerPort %v; want both %s", port, dig(c, "ports", 0, "containerPort"), d.port)
	}
	portName := str(dig(c, "ports", 0, "name"))
	for _, probe := range []string{"readinessProbe", "livenessProbe"} {
		p := dig(c, probe, "httpGet")
		if str(dig(p, "path")) != "/healthz" || (str(dig(p, "port")) != portName && str(dig(p, "port")) != d.port) {
			t.Errorf("deployment.yaml: %s = %v; want GET /healthz on the serve port", probe, p)
		}
	}
	ann := dig(dep, "spec", "template", "metadata", "annotations")
	if str(dig(ann, "prometheus.io/scrape")) != "true" || str(dig(ann, "prometheus.io/port")) != d.port || str(dig(ann, "prometheus.io/path")) != "/metrics" {
		t.Errorf("deployment.yaml: prometheus annotations %v; want scrape true, port %s, path /metrics", ann, d.port)
	}
	grace := or(flags["shutdown-timeout"], commandFlags(t, "serve")["shutdown-timeout"])
	if g, _ := strconv.Atoi(str(dig(pod, "terminationGracePeriodSeconds"))); time.Duration(g)*time.Second <= duration(t, "shutdown-timeout", grace) {
		t.Errorf("deployment.yaml: terminationGracePeriodSeconds %d; want more than --shutdown-timeout %s", g, grace)
	}
	svc := objs["Service/ospofeed"]
	if tp := str(dig(svc, "spec", "ports", 0, "targetPort")); tp != portName && tp != d.port {
		t.Errorf("deployment.yaml: Service targetPort %q; want the container's port", tp)
	}
}

func TestKubernetesCronJob(t *testing.T) {
	d := readDockerfile(t)
	objs := k8sObjects(t, "kubernetes/cronjob.yaml")
	cj := objs["CronJob/ospofeed-crawl"]
	if cj == nil {
		t.Fatal("cronjob.yaml has no CronJob ospofeed-crawl")
	}
	if p := str(dig(cj, "spec", "concurrencyPolicy")); p != "Forbid" {
		t.Errorf("cronjob.yaml: concurrencyPolicy %q; want Forbid (a second crawl would find the database locked)", p)
	}
	if b := dig(cj, "spec", "jobTemplate", "spec", "backoffLimit"); b == nil {
		t.Error("cronjob.yaml: no backoffLimit")
	}
	pod := dig(cj, "spec", "jobTemplate", "spec", "template", "spec")
	if rp := str(dig(pod, "restartPolicy")); rp != "Never" && rp != "OnFailure" {
		t.Errorf("cronjob.yaml: restartPolicy %q", rp)
	}
	flags, c := checkPod(t, "cronjob.yaml", pod, objs, d)
	if a := dig(c, "args", 0); a != "crawl" {
		t.Fatalf("cronjob.yaml: args start with %v; want crawl", a)
	}
	if out := flags["out"]; !strings.HasPrefix(out, d.volume+"/") {
		t.Errorf("cronjob.yaml: --out %q is not on the volume %s", out, d.volume)
	}
}

func TestSystemdUnit(t *testing.T) {
	const unit = "systemd/ospofeed.service"
	data, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		keys[k] = append(keys[k], v)
	}
	one := func(k string) string {
		if len(keys[k]) == 0 {
			return ""
		}
		return keys[k][len(keys[k])-1]
	}
	for k, want := range map[string]string{"DynamicUser": "yes", "ProtectSystem": "strict", "NoNewPrivileges": "yes",
		"StateDirectory": "ospofeed", "ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": ""} {
		if got, ok := keys[k]; !ok || one(k) != want {
			t.Errorf("%s: %s=%q; want %q", unit, k, got, want)
		}
	}
	execStart := strings.Fields(one("ExecStart"))
	if len(execStart) < 2 || execStart[0] != "/usr/local/bin/ospofeed" {
		t.Fatalf("%s: ExecStart=%q", unit, one("ExecStart"))
	}
	flags := checkArgs(t, unit, execStart[1:])
	if db := flags["db"]; !strings.HasPrefix(db, "%S/"+one("StateDirectory")+"/") {
		t.Errorf("%s: --db %q is not in the StateDirectory (%%S/%s/), the only place ProtectSystem=strict lets it write", unit, db, one("StateDirectory"))
	}
	for _, e := range keys["Environment"] {
		if k, _, _ := strings.Cut(e, "="); !envKnown(t, k) {
			t.Errorf("%s: Environment %s is not read by ospofeed", unit, k)
		}
	}
	if g := duration(t, "TimeoutStopSec", one("TimeoutStopSec")); g <= shutdownGrace(t) {
		t.Errorf("%s: TimeoutStopSec=%s; want more than serve's --shutdown-timeout %s", unit, g, shutdownGrace(t))
	}

	// systemd's own reading, with ExecStart pointing at the binary built
	// here (verify insists that it exists).
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skipf("systemd-analyze is not installed: the unit was checked by this test only")
	}
	dir := t.TempDir()
	local := filepath.Join(dir, "ospofeed.service")
	if err := os.WriteFile(local, bytes.ReplaceAll(data, []byte("/usr/local/bin/ospofeed"), []byte(bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", local).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", unit, err, out)
	}
	// The hardening, as systemd rates it (0 is best, 10 worst).
	if out, err := exec.Command(analyze, "security", "--offline=yes", local).CombinedOutput(); err == nil {
		m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Errorf("systemd-analyze security printed no exposure level:\n%s", out)
		} else if lvl, _ := strconv.ParseFloat(string(m[1]), 64); lvl > 2 {
			t.Errorf("systemd-analyze security: exposure %s; want at most 2 (OK)\n%s", m[1], out)
		} else {
			t.Logf("systemd-analyze security: exposure level %s", m[1])
		}
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
