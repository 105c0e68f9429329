package argocdlua

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

// The Lua environment Argo CD gives a resource customization (util/lua/lua.go of Argo CD): a
// state without the standard libraries, then only package, base and table, and an os table with
// nothing but os.time and os.date. The object is the global obj, action parameters the global
// actionParams, and a script has one second. Health checks configured in argocd-cm run like this
// unless resource.customizations.useOpenLibs is set, so a script that passes here runs either way.

// scriptTimeout is Argo CD's limit on one script run.
const scriptTimeout = time.Second

// newState makes the restricted state, with obj and actionParams set.
func newState(obj map[string]any, params map[string]string) (*lua.LState, context.CancelFunc) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, lua.OpenOs},
	} {
		l.Push(l.NewFunction(lib.open))
		l.Push(lua.LString(lib.name))
		l.Call(1, 0)
	}
	// gopher-lua's os library has exit, execute, getenv, remove and more; Argo CD keeps only the
	// clock. Replace the global and the loaded module with a table of those two functions.
	full := l.GetGlobal(lua.OsLibName).(*lua.LTable)
	safe := l.NewTable()
	for _, name := range []string{"time", "date"} {
		safe.RawSetString(name, full.RawGetString(name))
	}
	l.SetGlobal(lua.OsLibName, safe)
	l.SetField(l.GetField(l.GetGlobal("package"), "loaded"), lua.OsLibName, safe)

	ps := l.NewTable()
	for k, v := range params {
		ps.RawSetString(k, lua.LString(v))
	}
	l.SetGlobal("actionParams", ps)
	l.SetGlobal("obj", toLua(l, obj))

	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	l.SetContext(ctx)
	return l, func() {
		cancel()
		l.Close()
	}
}

// run executes script against obj and returns what it returned, as Go values.
func run(script string, obj map[string]any, params map[string]string) (any, error) {
	l, done := newState(obj, params)
	defer done()
	fn, err := l.LoadString(script)
	if err != nil {
		return nil, fmt.Errorf("compiling: %w", err)
	}
	l.Push(fn)
	if err := l.PCall(0, lua.MultRet, nil); err != nil {
		return nil, err
	}
	return toGo(l.Get(-1))
}

// toLua turns a decoded JSON value into a Lua value the way Argo CD does: maps and lists become
// tables, numbers LNumber.
func toLua(l *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case int:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []any:
		t := l.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetString(k, toLua(l, item))
		}
		return t
	}
	panic(fmt.Sprintf("no Lua value for %T", v))
}

// toGo turns a Lua value into what its JSON encoding decodes to, as Argo CD's encoder does: a
// table with keys 1..n is a list, a table with string keys an object, and an empty table an
// empty list (Argo CD turns it back into an object where the input had one, see cleanLike).
func toGo(v lua.LValue) (any, error) {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(x), nil
	case lua.LNumber:
		return float64(x), nil
	case lua.LString:
		return string(x), nil
	case *lua.LTable:
		var strKeys, numKeys int
		var bad error
		x.ForEach(func(k, _ lua.LValue) {
			switch k.(type) {
			case lua.LString:
				strKeys++
			case lua.LNumber:
				numKeys++
			default:
				bad = fmt.Errorf("a table key of type %s cannot be encoded", k.Type())
			}
		})
		if bad != nil {
			return nil, bad
		}
		if strKeys > 0 && numKeys > 0 {
			return nil, fmt.Errorf("a table with both string and number keys cannot be encoded")
		}
		if strKeys > 0 {
			m := map[string]any{}
			var err error
			x.ForEach(func(k, item lua.LValue) {
				if err == nil {
					m[string(k.(lua.LString))], err = toGo(item)
				}
			})
			return m, err
		}
		list := make([]any, 0, numKeys)
		for i := 1; i <= numKeys; i++ {
			item := x.RawGetInt(i)
			if item == lua.LNil {
				return nil, fmt.Errorf("a list with a hole at %d cannot be encoded", i)
			}
			g, err := toGo(item)
			if err != nil {
				return nil, err
			}
			list = append(list, g)
		}
		return list, nil
	}
	return nil, fmt.Errorf("a Lua %s cannot be encoded", v.Type())
}

// cleanLike undoes the encoder's one ambiguity as Argo CD does: an empty list where the input
// object had an object becomes an empty object again, at any depth.
func cleanLike(out, in any) any {
	switch o := out.(type) {
	case map[string]any:
		if i, ok := in.(map[string]any); ok {
			for k, v := range o {
				if iv, ok := i[k]; ok {
					o[k] = cleanLike(v, iv)
				}
			}
		}
	case []any:
		switch i := in.(type) {
		case map[string]any:
			if len(o) == 0 {
				return map[string]any{}
			}
		case []any:
			for n := range o {
				if n < len(i) {
					o[n] = cleanLike(o[n], i[n])
				}
			}
		}
	}
	return out
}

// readObject reads a YAML file into the JSON shape Argo CD hands a script.
func readObject(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := yaml.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if obj == nil {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return obj, nil
}

// canonical is v as indented JSON with sorted keys, for comparing and for showing a difference.
func canonical(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

// sortedKeys is the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
