package argocdlua

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// update rewrites deploy/argocd/argocd-cm.yaml from the scripts: go test -run TestArgoCDConfigMap -update
var update = flag.Bool("update", false, "rewrite deploy/argocd/argocd-cm.yaml from the scripts")

// configMapFile is the argocd-cm patch users apply; the scripts in it must be the tested ones.
const configMapFile = root + "/argocd-cm.yaml"

const configMapHeader = `# The Stowage health checks and actions as Argo CD's argocd-cm keys, to merge into the argocd-cm
# of an Argo CD install (for example as a kustomize patch; see README.md). Generated from
# stowage.dev/*/ by ` + "`go test -run TestArgoCDConfigMap -update`" + ` in e2e/argocd-lua; make test-argocd
# fails while this file and the tested scripts differ. Do not edit by hand.
`

// actionDefinition is one entry of the definitions list of a resource.customizations.actions key.
type actionDefinition struct {
	Name      string `json:"name"`
	ActionLua string `json:"action.lua"`
}

type actionsValue struct {
	DiscoveryLua string             `json:"discovery.lua"`
	Definitions  []actionDefinition `json:"definitions"`
}

// wantedData is the argocd-cm data the scripts under root make, by key.
func wantedData(t *testing.T) map[string]string {
	t.Helper()
	data := map[string]string{}
	for _, dir := range kindDirs(t) {
		rel, _ := filepath.Rel(root, dir)
		group, kind := filepath.Dir(rel), filepath.Base(rel)
		key := group + "_" + kind // Argo CD's key form: group_Kind
		health, err := os.ReadFile(filepath.Join(dir, "health.lua"))
		if err != nil {
			t.Fatal(err)
		}
		data["resource.customizations.health."+key] = string(health)
		discovery, err := os.ReadFile(filepath.Join(dir, "actions", "discovery.lua"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		v := actionsValue{DiscoveryLua: string(discovery)}
		scripts, _ := filepath.Glob(filepath.Join(dir, "actions", "*", "action.lua"))
		for _, s := range scripts {
			b, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			v.Definitions = append(v.Definitions,
				actionDefinition{Name: filepath.Base(filepath.Dir(s)), ActionLua: string(b)})
		}
		out, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		data["resource.customizations.actions."+key] = string(out)
	}
	return data
}

func TestArgoCDConfigMap(t *testing.T) {
	want := wantedData(t)
	if *update {
		cm := map[string]any{
			"apiVersion": "v1",
			"kind":       "ConfigMap",
			"metadata": map[string]any{"name": "argocd-cm", "namespace": "argocd",
				"labels": map[string]any{"app.kubernetes.io/part-of": "argocd"}},
			"data": want,
		}
		out, err := yaml.Marshal(cm)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(configMapFile, append([]byte(configMapHeader), out...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(configMapFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(configMapHeader)) {
		t.Errorf("%s does not start with its generated header", configMapFile)
	}
	var cm struct {
		Kind     string            `json:"kind"`
		Metadata map[string]any    `json:"metadata"`
		Data     map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Kind != "ConfigMap" || cm.Metadata["name"] != "argocd-cm" {
		t.Errorf("%s is not the ConfigMap argocd-cm", configMapFile)
	}
	for _, k := range sortedKeys(want) {
		if cm.Data[k] != want[k] {
			t.Errorf("%s: %s differs from the scripts; run: go test -run TestArgoCDConfigMap -update",
				configMapFile, k)
		}
	}
	for _, k := range sortedKeys(cm.Data) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s has no script under %s", configMapFile, k, root)
		}
	}
	// The actions key parses as Argo CD reads it: discovery.lua and definitions with action.lua.
	for _, k := range sortedKeys(cm.Data) {
		if !strings.HasPrefix(k, "resource.customizations.actions.") {
			continue
		}
		var v actionsValue
		if err := yaml.UnmarshalStrict([]byte(cm.Data[k]), &v); err != nil {
			t.Errorf("%s: %v", k, err)
		} else if v.DiscoveryLua == "" || len(v.Definitions) == 0 {
			t.Errorf("%s: no discovery.lua or no definitions", k)
		}
	}
}
