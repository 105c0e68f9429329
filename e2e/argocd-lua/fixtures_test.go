package argocdlua

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// crds is deploy/crds, generated from the API classes: the fixtures must be objects they admit.
const crds = "../../deploy/crds"

// crdSchemas reads the schema of every served version of every CRD, by "group/Kind".
func crdSchemas(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(crds, "*.yml"))
	if len(files) == 0 {
		t.Fatalf("no CRDs in %s", crds)
	}
	schemas := map[string]map[string]any{}
	for _, f := range files {
		crd, err := readObject(f)
		if err != nil {
			t.Fatal(err)
		}
		spec := crd["spec"].(map[string]any)
		group := spec["group"].(string)
		kind := spec["names"].(map[string]any)["kind"].(string)
		for _, v := range spec["versions"].([]any) {
			version := v.(map[string]any)
			schema := version["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
			schemas[group+"/"+version["name"].(string)+"/"+kind] = schema
		}
	}
	return schemas
}

// TestFixturesAreValidObjects checks every YAML file of deploy/argocd against its CRD's schema:
// field names, types, enums and required fields, so a fixture cannot show a status the operator
// could never write (a renamed field or phase fails here, not in production).
func TestFixturesAreValidObjects(t *testing.T) {
	schemas := crdSchemas(t)
	var files []string
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(path, string(filepath.Separator)+"testdata"+string(filepath.Separator)) &&
			strings.HasSuffix(path, ".yaml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures found")
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			obj, err := readObject(f)
			if err != nil {
				t.Fatal(err)
			}
			apiVersion, _ := obj["apiVersion"].(string)
			kind, _ := obj["kind"].(string)
			schema, ok := schemas[apiVersion+"/"+kind]
			if !ok {
				t.Fatalf("no CRD in %s serves %s %s", crds, apiVersion, kind)
			}
			// The directory a fixture is in names the kind it is for.
			if !strings.Contains(rel, strings.Split(apiVersion, "/")[0]+string(filepath.Separator)+kind+string(filepath.Separator)) {
				t.Errorf("a %s in the directory of another kind", kind)
			}
			for _, problem := range validate(schema, obj, "") {
				t.Error(problem)
			}
		})
	}
}

// validate checks value against an OpenAPI v3 schema of a CRD, as far as the fixtures need.
func validate(schema map[string]any, value any, path string) []string {
	if value == nil {
		if schema["nullable"] == true {
			return nil
		}
		return []string{path + ": null"}
	}
	if schema["x-kubernetes-int-or-string"] == true {
		switch value.(type) {
		case string, float64:
			return nil
		}
		return []string{fmt.Sprintf("%s: %v is neither integer nor string", path, value)}
	}
	var problems []string
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == value {
				found = true
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("%s: %v is none of %v", path, value, enum))
		}
	}
	typ, _ := schema["type"].(string)
	switch typ {
	case "string":
		if _, ok := value.(string); !ok {
			problems = append(problems, fmt.Sprintf("%s: %v is not a string", path, value))
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			problems = append(problems, fmt.Sprintf("%s: %v is not a boolean", path, value))
		}
	case "integer", "number":
		n, ok := value.(float64)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: %v is not a number", path, value))
		} else if typ == "integer" && n != math.Trunc(n) {
			problems = append(problems, fmt.Sprintf("%s: %v is not an integer", path, value))
		}
	case "array":
		list, ok := value.([]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: not a list", path))
		}
		items, _ := schema["items"].(map[string]any)
		for i, item := range list {
			if items != nil {
				problems = append(problems, validate(items, item, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case "object":
		m, ok := value.(map[string]any)
		if !ok {
			return append(problems, fmt.Sprintf("%s: not an object", path))
		}
		if schema["x-kubernetes-preserve-unknown-fields"] == true {
			return problems
		}
		props, _ := schema["properties"].(map[string]any)
		additional, _ := schema["additionalProperties"].(map[string]any)
		for _, k := range sortedKeys(m) {
			if path == "" && (k == "apiVersion" || k == "kind" || k == "metadata") {
				continue // every object's own; checked by the API server, not the CRD schema
			}
			if p, ok := props[k].(map[string]any); ok {
				problems = append(problems, validate(p, m[k], path+"."+k)...)
			} else if additional != nil {
				problems = append(problems, validate(additional, m[k], path+"."+k)...)
			} else {
				problems = append(problems, fmt.Sprintf("%s.%s: no such field", path, k))
			}
		}
		if required, ok := schema["required"].([]any); ok {
			for _, r := range required {
				if _, ok := m[r.(string)]; !ok {
					problems = append(problems, fmt.Sprintf("%s.%s: required", path, r))
				}
			}
		}
	}
	return problems
}

// TestEveryPhaseHasAFixture: each phase the CRD allows for a MysqlBackup and a MysqlRestore is
// the input of some health test, so a phase added to the API fails here until its health is
// decided. The schedule has no phase; its conditions are covered by name in its health_test.yaml.
func TestEveryPhaseHasAFixture(t *testing.T) {
	schemas := crdSchemas(t)
	for _, kind := range []string{"MysqlBackup", "MysqlRestore"} {
		schema := schemas["stowage.dev/v1alpha1/"+kind]
		phaseSchema := schema["properties"].(map[string]any)["status"].(map[string]any)["properties"].(map[string]any)["phase"].(map[string]any)
		var phases []string
		for _, p := range phaseSchema["enum"].([]any) {
			phases = append(phases, p.(string))
		}
		sort.Strings(phases)
		dir := filepath.Join(root, "stowage.dev", kind)
		var tests healthTestFile
		b, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &tests); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, tc := range tests.Tests {
			obj, err := readObject(filepath.Join(dir, tc.InputPath))
			if err != nil {
				t.Fatal(err)
			}
			if status, ok := obj["status"].(map[string]any); ok {
				if phase, ok := status["phase"].(string); ok {
					seen[phase] = true
				}
			}
		}
		for _, p := range phases {
			if !seen[p] {
				t.Errorf("%s: no health test has an object in phase %s", kind, p)
			}
		}
	}
}
