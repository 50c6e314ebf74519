package masspay_test

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// pkg is one package of the module and the module packages it depends on, directly or not.
type pkg struct {
	path string
	deps []string
}

const module = "masspay"

// backends are the concrete stores; only the wiring (cmd/masspay, app), the end-to-end harness,
// the benchmark (which compares the stores) and PostgreSQL's own test support may depend on them.
var backends = []string{module + "/sqlite", module + "/postgres", module + "/sqlstore"}

var mayUseBackends = []string{module + "/cmd/masspay", module + "/app", module + "/apptest", module + "/bench",
	module + "/postgres/pgtest"}

// siblings never depend on one another: each depends only toward the domain. metrics is one:
// httpapi, engine and webhook report to observer interfaces of their own, which the wiring
// (app) fills with metrics, so none of them knows Prometheus.
var siblings = []string{module + "/sqlite", module + "/postgres", module + "/httpapi", module + "/dashboard", module + "/engine",
	module + "/webhook", module + "/metrics"}

// dependencyViolations applies the dependency rules of docs/style.md (B1, rule 1) to a package
// graph and describes every forbidden edge.
func dependencyViolations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		switch p.path {
		case module:
			for _, d := range p.deps {
				out = append(out, fmt.Sprintf("%s depends on %s: the domain imports nothing from the module", p.path, d))
			}
		case module + "/storetest":
			for _, d := range p.deps {
				if d != module {
					out = append(out, fmt.Sprintf("%s depends on %s: the suite knows only the domain", p.path, d))
				}
			}
		}
		if slices.Contains(siblings, p.path) {
			for _, d := range p.deps {
				if d != p.path && slices.Contains(siblings, d) {
					out = append(out, fmt.Sprintf("%s depends on %s: they never import each other", p.path, d))
				}
			}
		}
		if !slices.Contains(mayUseBackends, p.path) && !slices.Contains(backends, p.path) {
			for _, d := range p.deps {
				if slices.Contains(backends, d) {
					out = append(out, fmt.Sprintf("%s depends on %s: only %s pick a concrete store", p.path, d,
						strings.Join(mayUseBackends, ", ")))
				}
			}
		}
	}
	return out
}

func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Deps \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	inModule := func(list string) []string {
		var ps []string
		for _, p := range strings.Fields(list) {
			if p == module || strings.HasPrefix(p, module+"/") {
				ps = append(ps, p)
			}
		}
		return ps
	}
	var pkgs []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 2 {
			t.Fatalf("go list line %q", line)
		}
		pkgs = append(pkgs, pkg{path: f[0], deps: inModule(f[1])})
	}
	if len(pkgs) < 5 || !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.path == module+"/app" }) {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, v := range dependencyViolations(pkgs) {
		t.Error(v)
	}
}

// The rules must be able to fail: a graph with one of each forbidden edge.
func TestDependencyRulesFindForbiddenEdges(t *testing.T) {
	bad := []pkg{
		{path: "masspay", deps: []string{"masspay/service"}},
		{path: "masspay/httpapi", deps: []string{"masspay", "masspay/service", "masspay/engine"}},
		{path: "masspay/dashboard", deps: []string{"masspay", "masspay/service", "masspay/httpapi", "masspay/sqlstore"}},
		{path: "masspay/sqlite", deps: []string{"masspay", "masspay/sqlstore", "masspay/postgres"}},
		{path: "masspay/service", deps: []string{"masspay", "masspay/sqlstore"}},
		{path: "masspay/storetest", deps: []string{"masspay", "masspay/service"}},
		{path: "masspay/app", deps: []string{"masspay", "masspay/sqlite", "masspay/postgres", "masspay/sqlstore"}},
		{path: "masspay/engine", deps: []string{"masspay", "masspay/metrics"}},
	}
	got := dependencyViolations(bad)
	want := []string{
		"masspay depends on masspay/service",
		"masspay/httpapi depends on masspay/engine",
		"masspay/dashboard depends on masspay/httpapi",
		"masspay/dashboard depends on masspay/sqlstore",
		"masspay/sqlite depends on masspay/postgres",
		"masspay/service depends on masspay/sqlstore",
		"masspay/storetest depends on masspay/service",
		"masspay/engine depends on masspay/metrics",
	}
	if len(got) != len(want) {
		t.Fatalf("violations:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]+":") {
			t.Errorf("violation %d = %q, want %q...", i, got[i], want[i])
		}
	}
}
