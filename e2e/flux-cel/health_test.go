// Package fluxcel evaluates the Flux healthCheckExprs of deploy/argocd/flux-health-checks.yaml the
// way Flux's kustomize-controller does, over the fixtures of the Argo CD health checks, and
// requires the same verdict as the Argo CD check (Flux has no Suspended: it is Current there).
package fluxcel

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"sigs.k8s.io/yaml"
)

const (
	argocd   = "../../deploy/argocd"
	snippet  = argocd + "/flux-health-checks.yaml"
	readme   = argocd + "/README.md"
	statusIP = "InProgress"
	statusF  = "Failed"
	statusC  = "Current"
)

// fluxStatusOf is what Flux reports for an object the Argo CD check gives this health.
var fluxStatusOf = map[string]string{
	"Healthy":     statusC,
	"Suspended":   statusC,
	"Progressing": statusIP,
	"Degraded":    statusF,
}

type healthCheck struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Current    string `json:"current"`
	InProgress string `json:"inProgress,omitempty"`
	Failed     string `json:"failed,omitempty"`
}

type kustomization struct {
	Spec struct {
		Wait             bool          `json:"wait"`
		HealthCheckExprs []healthCheck `json:"healthCheckExprs"`
	} `json:"spec"`
}

// program parses expr in the CEL environment Flux builds for a health check (fluxcd/pkg
// runtime/cel: parsed, not compiled, since objects differ; optional types and the strings, sets
// and encoders extensions).
func program(t *testing.T, expr string) cel.Program {
	t.Helper()
	env, err := cel.NewEnv(
		cel.HomogeneousAggregateLiterals(),
		cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true),
		cel.CrossTypeNumericComparisons(true),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Sets(),
		ext.Encoders(),
	)
	if err != nil {
		t.Fatal(err)
	}
	ast, issues := env.Parse(expr)
	if issues != nil && issues.Err() != nil {
		t.Fatalf("%q: %v", expr, issues.Err())
	}
	prg, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100))
	if err != nil {
		t.Fatal(err)
	}
	return prg
}

// evaluate is Flux's verdict: InProgress while status.observedGeneration differs from
// metadata.generation, then the first of inProgress, failed, current that is true, else InProgress.
func evaluate(t *testing.T, hc healthCheck, obj map[string]any) (string, error) {
	t.Helper()
	if status, ok := obj["status"].(map[string]any); ok {
		if observed, ok := status["observedGeneration"]; ok {
			if observed != obj["metadata"].(map[string]any)["generation"] {
				return statusIP, nil
			}
		}
	}
	for _, e := range []struct{ expr, status string }{
		{hc.InProgress, statusIP}, {hc.Failed, statusF}, {hc.Current, statusC},
	} {
		if e.expr == "" {
			continue
		}
		val, _, err := program(t, e.expr).ContextEval(context.Background(), obj)
		if err != nil {
			return "", err
		}
		b, ok := val.(types.Bool)
		if !ok {
			return "", fmt.Errorf("%q is not a boolean", e.expr)
		}
		if b {
			return e.status, nil
		}
	}
	return statusIP, nil
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestFluxHealthChecksAgreeWithArgoCD(t *testing.T) {
	var k kustomization
	readYAML(t, snippet, &k)
	if !k.Spec.Wait || len(k.Spec.HealthCheckExprs) != 3 {
		t.Fatalf("%s: want wait: true and three healthCheckExprs", snippet)
	}
	for _, hc := range k.Spec.HealthCheckExprs {
		group := strings.Split(hc.APIVersion, "/")[0]
		dir := filepath.Join(argocd, group, hc.Kind)
		var tests struct {
			Tests []struct {
				InputPath    string `json:"inputPath"`
				HealthStatus struct {
					Status  string `json:"status"`
					Message string `json:"message"`
				} `json:"healthStatus"`
			} `json:"tests"`
		}
		readYAML(t, filepath.Join(dir, "health_test.yaml"), &tests)
		if len(tests.Tests) == 0 {
			t.Fatalf("%s: no health tests to compare with", dir)
		}
		for _, tc := range tests.Tests {
			t.Run(hc.Kind+"/"+tc.InputPath, func(t *testing.T) {
				var obj map[string]any
				readYAML(t, filepath.Join(dir, tc.InputPath), &obj)
				got, err := evaluate(t, hc, obj)
				if _, hasStatus := obj["status"]; !hasStatus {
					// Flux cannot read status.? of an object without status: an evaluation
					// error (it waits), as deploy/argocd/README.md says.
					if err == nil {
						t.Errorf("got %s for an object without status, want an evaluation error", got)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want, ok := fluxStatusOf[tc.HealthStatus.Status]
				if !ok {
					t.Fatalf("no Flux status for Argo CD's %s", tc.HealthStatus.Status)
				}
				if got != want {
					t.Errorf("Flux says %s, want %s (Argo CD: %s %q)", got, want,
						tc.HealthStatus.Status, tc.HealthStatus.Message)
				}
			})
		}
	}
}

// The README shows the snippet; it must be the tested one.
func TestReadmeShowsTheTestedSnippet(t *testing.T) {
	b, err := os.ReadFile(snippet)
	if err != nil {
		t.Fatal(err)
	}
	r, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	if i := strings.Index(body, "apiVersion:"); i >= 0 {
		body = body[i:] // without the file's comment
	}
	if !strings.Contains(string(r), body) {
		t.Errorf("%s does not show %s as it is (from its apiVersion line on)", readme, snippet)
	}
}
