package argocdlua

import (
	"strings"
	"testing"
	"time"
)

// The scripts are tested in Argo CD's restricted environment only if this harness really is
// restricted: what Argo CD does not give a script must fail here too.
func TestSandboxRefusesWhatArgoCDDoesNotGive(t *testing.T) {
	for name, script := range map[string]string{
		"string library": `return string.format("%d", 1)`,
		"string methods": `local s = "abc"; return s:upper()`,
		"io library":     `return io.open("/etc/passwd")`,
		"os.getenv":      `return os.getenv("HOME")`,
		"os.execute":     `return os.execute("true")`,
		"os.exit":        `os.exit(1)`,
		"require io":     `return require("io")`,
		"debug library":  `return debug.traceback()`,
	} {
		t.Run(name, func(t *testing.T) {
			if out, err := run(script, map[string]any{}, nil); err == nil {
				t.Errorf("ran and returned %v; Argo CD would refuse it", out)
			}
		})
	}
}

func TestSandboxGivesWhatArgoCDGives(t *testing.T) {
	out, err := run(`local os2 = require("os")
		return {os.date("!%Y", 0), tostring(os2.time() > 0), table.concat({"a", "b"}, ","),
		  obj.metadata.name, actionParams.reason}`,
		map[string]any{"metadata": map[string]any{"name": "n"}}, map[string]string{"reason": "why"})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"1970", "true", "a,b", "n", "why"}
	if canonical(out) != canonical(want) {
		t.Errorf("got %s, want %s", canonical(out), canonical(want))
	}
}

func TestSandboxStopsAScriptAfterOneSecond(t *testing.T) {
	start := time.Now()
	_, err := run(`while true do end`, map[string]any{}, nil)
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Fatalf("err %v, want the deadline", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stopped after %s", took)
	}
}
