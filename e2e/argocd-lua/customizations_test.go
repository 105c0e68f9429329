// Package argocdlua tests the Argo CD resource customizations of deploy/argocd: every health.lua
// against its health_test.yaml and every action against actions/action_test.yaml, in the layout
// and file formats of Argo CD's resource_customizations, run by gopher-lua as Argo CD runs them.
package argocdlua

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// root is deploy/argocd, whose stowage.dev/<Kind>/ directories are the customizations.
const root = "../../deploy/argocd"

// healthCodes are the statuses Argo CD accepts from a health script.
var healthCodes = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true,
	"Unknown": true,
}

type healthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

type healthTestFile struct {
	Tests []struct {
		InputPath    string       `json:"inputPath"`
		HealthStatus healthStatus `json:"healthStatus"`
	} `json:"tests"`
}

// resourceAction is what Argo CD makes of one entry of a discovery script's table.
type resourceAction struct {
	Name        string `json:"name"`
	Params      []any  `json:"params,omitempty"`
	Disabled    bool   `json:"disabled,omitempty"`
	IconClass   string `json:"iconClass,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

type actionTestFile struct {
	DiscoveryTests []struct {
		InputPath string           `json:"inputPath"`
		Result    []resourceAction `json:"result"`
	} `json:"discoveryTests"`
	ActionTests []struct {
		Action               string            `json:"action"`
		InputPath            string            `json:"inputPath"`
		ExpectedOutputPath   string            `json:"expectedOutputPath"`
		ExpectedErrorMessage string            `json:"expectedErrorMessage"`
		Parameters           map[string]string `json:"parameters"`
	} `json:"actionTests"`
}

// kindDirs is every <group>/<Kind> directory under root that has a health.lua.
func kindDirs(t *testing.T) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(root, "*", "*", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatalf("no */*/health.lua under %s", root)
	}
	var dirs []string
	for _, f := range found {
		dirs = append(dirs, filepath.Dir(f))
	}
	return dirs
}

// readStrict reads a test file, refusing fields Argo CD's test would not read (a typo there
// would silently drop an expectation).
func readStrict(t *testing.T, path string, into any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err == nil {
		err = yaml.UnmarshalStrict(b, into)
	}
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return false
	}
	return true
}

func TestHealth(t *testing.T) {
	for _, dir := range kindDirs(t) {
		kind, _ := filepath.Rel(root, dir)
		script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
		if err != nil {
			t.Fatal(err)
		}
		var tests healthTestFile
		if !readStrict(t, filepath.Join(dir, "health_test.yaml"), &tests) {
			continue
		}
		if len(tests.Tests) == 0 {
			t.Errorf("%s/health_test.yaml has no tests", kind)
		}
		used := map[string]bool{}
		for _, tc := range tests.Tests {
			used[filepath.Clean(tc.InputPath)] = true
			t.Run(kind+"/"+tc.InputPath, func(t *testing.T) {
				if !healthCodes[tc.HealthStatus.Status] {
					t.Fatalf("expected status %q is none of Argo CD's", tc.HealthStatus.Status)
				}
				obj, err := readObject(filepath.Join(dir, tc.InputPath))
				if err != nil {
					t.Fatal(err)
				}
				got, err := health(string(script), obj)
				if err != nil {
					t.Fatal(err)
				}
				if got != tc.HealthStatus {
					t.Errorf("health of %s\n got: %s: %q\nwant: %s: %q", tc.InputPath,
						got.Status, got.Message, tc.HealthStatus.Status, tc.HealthStatus.Message)
				}
			})
		}
		// Every fixture is some test's input: none is left behind when a test is removed.
		fixtures, _ := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
		for _, f := range fixtures {
			rel, _ := filepath.Rel(dir, f)
			if !used[rel] {
				t.Errorf("%s/%s is no test's inputPath in health_test.yaml", kind, rel)
			}
		}
	}
}

// health runs a health script as Argo CD's ExecuteHealthLua does: a table is decoded into
// {status, message}, nil means no opinion, and a status Argo CD does not know becomes Unknown.
func health(script string, obj map[string]any) (healthStatus, error) {
	out, err := run(script, obj, nil)
	if err != nil {
		return healthStatus{}, err
	}
	if out == nil {
		return healthStatus{}, nil
	}
	if list, ok := out.([]any); ok && len(list) == 0 {
		return healthStatus{}, nil
	}
	m, ok := out.(map[string]any)
	if !ok {
		return healthStatus{}, &resultError{"expect table output from Lua script, not " + canonical(out)}
	}
	b, _ := json.Marshal(m)
	var hs healthStatus
	if err := json.Unmarshal(b, &hs); err != nil {
		return healthStatus{}, err
	}
	if !healthCodes[hs.Status] {
		return healthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return hs, nil
}

type resultError struct{ msg string }

func (e *resultError) Error() string { return e.msg }

func TestActions(t *testing.T) {
	tested := 0
	for _, dir := range kindDirs(t) {
		actions := filepath.Join(dir, "actions")
		if _, err := os.Stat(actions); err != nil {
			continue
		}
		kind, _ := filepath.Rel(root, dir)
		var tests actionTestFile
		if !readStrict(t, filepath.Join(actions, "action_test.yaml"), &tests) {
			continue
		}
		discovery, err := os.ReadFile(filepath.Join(actions, "discovery.lua"))
		if err != nil {
			t.Fatal(err)
		}
		tried := map[string]bool{}
		offered := map[string]bool{}
		for _, tc := range tests.DiscoveryTests {
			tested++
			t.Run(kind+"/discovery/"+tc.InputPath, func(t *testing.T) {
				obj, err := readObject(filepath.Join(actions, tc.InputPath))
				if err != nil {
					t.Fatal(err)
				}
				got, err := discover(string(discovery), obj)
				if err != nil {
					t.Fatal(err)
				}
				want := append([]resourceAction(nil), tc.Result...)
				sort.Slice(want, func(i, j int) bool { return want[i].Name < want[j].Name })
				if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("actions offered for %s\n got: %s\nwant: %s", tc.InputPath,
						canonical(got), canonical(want))
				}
				for _, a := range got {
					offered[a.Name] = true
				}
			})
		}
		for _, tc := range tests.ActionTests {
			tested++
			tried[tc.Action] = true
			t.Run(kind+"/actions/"+tc.Action+"/"+tc.InputPath, func(t *testing.T) {
				script, err := os.ReadFile(filepath.Join(actions, tc.Action, "action.lua"))
				if err != nil {
					t.Fatal(err)
				}
				in, err := readObject(filepath.Join(actions, tc.InputPath))
				if err != nil {
					t.Fatal(err)
				}
				started := time.Now().UTC().Truncate(time.Second)
				out, err := run(string(script), in, tc.Parameters)
				if tc.ExpectedErrorMessage != "" {
					if err == nil || err.Error() != tc.ExpectedErrorMessage {
						t.Fatalf("error %v, want %q", err, tc.ExpectedErrorMessage)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got, ok := out.(map[string]any)
				if !ok {
					t.Fatalf("the action returned %s, not the changed object", canonical(out))
				}
				// The input again: the script changed only its own Lua copy.
				in, _ = readObject(filepath.Join(actions, tc.InputPath))
				got = cleanLike(got, in).(map[string]any)
				want, err := readObject(filepath.Join(actions, tc.ExpectedOutputPath))
				if err != nil {
					t.Fatal(err)
				}
				clockedFields(t, kind, tc.Action, in, got, want, started)
				if canonical(got) != canonical(want) {
					t.Errorf("%s of %s differs from %s:\n%s", tc.Action, tc.InputPath,
						tc.ExpectedOutputPath, strings.Join(differences(got, want, ""), "\n"))
				}
			})
		}
		// Every file of actions/testdata is some test's input or expected output.
		used := map[string]bool{}
		for _, tc := range tests.DiscoveryTests {
			used[filepath.Clean(tc.InputPath)] = true
		}
		for _, tc := range tests.ActionTests {
			used[filepath.Clean(tc.InputPath)] = true
			used[filepath.Clean(tc.ExpectedOutputPath)] = true
		}
		fixtures, _ := filepath.Glob(filepath.Join(actions, "testdata", "*.yaml"))
		for _, f := range fixtures {
			rel, _ := filepath.Rel(actions, f)
			if !used[rel] {
				t.Errorf("%s/actions/%s is used by no test in action_test.yaml", kind, rel)
			}
		}
		// Every action has a script, an action test, and is offered by some discovery test.
		scripts, _ := filepath.Glob(filepath.Join(actions, "*", "action.lua"))
		for _, s := range scripts {
			name := filepath.Base(filepath.Dir(s))
			if !tried[name] {
				t.Errorf("%s: action %s has no action test", kind, name)
			}
			if !offered[name] {
				t.Errorf("%s: action %s is offered by no discovery test", kind, name)
			}
		}
	}
	if tested == 0 {
		t.Fatal("no action tests found")
	}
}

// discover runs a discovery script as Argo CD's ExecuteResourceActionDiscovery does: a table of
// action name to its properties (or to an empty table); sorted by name here.
func discover(script string, obj map[string]any) ([]resourceAction, error) {
	out, err := run(script, obj, nil)
	if err != nil {
		return nil, err
	}
	if list, ok := out.([]any); ok && len(list) == 0 {
		return nil, nil
	}
	m, ok := out.(map[string]any)
	if !ok {
		return nil, &resultError{"expect table output from Lua script, not " + canonical(out)}
	}
	var actions []resourceAction
	for _, name := range sortedKeys(m) {
		a := resourceAction{Name: name}
		if props, ok := m[name].(map[string]any); ok {
			b, _ := json.Marshal(props)
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&a); err != nil {
				return nil, &resultError{"action " + name + ": " + err.Error()}
			}
			a.Name = name
		}
		actions = append(actions, a)
	}
	return actions, nil
}

// triggerPattern is the value backup-now writes into spec.trigger: argocd- and the UTC time.
var triggerPattern = regexp.MustCompile(`^argocd-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$`)

// clockedFields checks what an action took from the clock, then gives the result the expected
// file's value so that the rest compares exactly (as Argo CD's own test normalizes such fields).
func clockedFields(t *testing.T, kind, action string, in, got, want map[string]any,
	started time.Time) {
	t.Helper()
	if kind != "stowage.dev/MysqlBackupSchedule" || action != "backup-now" {
		return
	}
	spec, _ := got["spec"].(map[string]any)
	trigger, _ := spec["trigger"].(string)
	m := triggerPattern.FindStringSubmatch(trigger)
	if m == nil {
		t.Fatalf("spec.trigger %q is not argocd-<UTC time>", trigger)
	}
	at, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatalf("spec.trigger %q: %v", trigger, err)
	}
	if at.Before(started) || at.After(time.Now().UTC()) {
		t.Errorf("spec.trigger %q is not the time the action ran (%s)", trigger, started)
	}
	inSpec, _ := in["spec"].(map[string]any)
	if trigger == inSpec["trigger"] {
		t.Errorf("spec.trigger %q did not change, so no backup would start", trigger)
	}
	if status, ok := in["status"].(map[string]any); ok && trigger == status["lastTrigger"] {
		t.Errorf("spec.trigger %q is status.lastTrigger, so no backup would start", trigger)
	}
	wantSpec, _ := want["spec"].(map[string]any)
	spec["trigger"] = wantSpec["trigger"]
}

// differences lists the paths where got and want differ, with both values.
func differences(got, want any, path string) []string {
	gm, gok := got.(map[string]any)
	wm, wok := want.(map[string]any)
	if gok && wok {
		keys := map[string]bool{}
		for k := range gm {
			keys[k] = true
		}
		for k := range wm {
			keys[k] = true
		}
		var out []string
		for _, k := range sortedKeys(keys) {
			out = append(out, differences(gm[k], wm[k], path+"."+k)...)
		}
		return out
	}
	if canonical(got) == canonical(want) {
		return nil
	}
	return []string{"  " + path + ": got " + canonical(got) + ", want " + canonical(want)}
}
