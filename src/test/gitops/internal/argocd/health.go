// Package argocd runs Argo CD resource health scripts (health.lua) the way Argo CD does, with the
// same Lua interpreter (github.com/yuin/gopher-lua) set up the same way, read from Argo CD's
// util/lua (lua.go, oslib_safe.go) and gitops-engine's pkg/health:
//
//   - a new interpreter per evaluation, with every standard library open for a built-in script
//     (resource_customizations, and Argo CD's own test of them) or for an argocd-cm customization
//     with useOpenLibs, and otherwise none but package, base and table;
//   - os, in the second case, only through require("os"), and holding only time and date;
//   - a one-second limit; the object as the global obj (numbers as Lua numbers), and an empty
//     global actionParams;
//   - the value the script returns read as JSON into {status, message}: nil or an empty table
//     give an empty status, a status Argo CD does not know gives Unknown, anything but a table is
//     an error;
//   - the controller (not Argo CD's test of the scripts) does not run the script for an object
//     being deleted: it is Progressing, "Pending deletion".
package argocd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	luajson "layeh.com/gopher-json"
)

// Health is Argo CD's health of a resource.
type Health struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// The health statuses Argo CD knows (gitops-engine pkg/health).
var knownStatuses = []string{"Unknown", "Progressing", "Healthy", "Suspended", "Degraded", "Missing"}

// Argo CD's hooks carry this finalizer; an object being deleted that has it is still judged by
// its script.
const hookFinalizer = "argocd.argoproj.io/hook-finalizer"

// ScriptTimeout is how long Argo CD lets a script run.
const ScriptTimeout = time.Second

// OfResource is the health the Argo CD controller shows for an object that has a health script:
// Progressing while it is deleted, else what the script returns, or Unknown with the error.
func OfResource(script string, object *unstructured.Unstructured, openLibs bool) (Health, error) {
	if object.GetDeletionTimestamp() != nil && !slices.Contains(object.GetFinalizers(), hookFinalizer) {
		return Health{Status: "Progressing", Message: "Pending deletion"}, nil
	}
	health, err := Evaluate(script, object.Object, openLibs)
	if err != nil {
		return Health{Status: "Unknown", Message: err.Error()}, err
	}
	return health, nil
}

// Evaluate runs a health script on an object, as Argo CD's test of resource_customizations does
// (openLibs true there), with nothing before or after.
func Evaluate(script string, object map[string]any, openLibs bool) (Health, error) {
	state := lua.NewState(lua.Options{SkipOpenLibs: !openLibs})
	defer state.Close()
	for _, library := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		err := state.CallByParam(lua.P{Fn: state.NewFunction(library.open), NRet: 0, Protect: true},
			lua.LString(library.name))
		if err != nil {
			return Health{}, err
		}
	}
	// Argo CD also "opens" its restricted os library, but under the table library's name, which is
	// open already, so that call changes nothing: no global os unless all libraries are open. What
	// takes effect is the preloaded module, for require("os").
	state.PreloadModule(lua.OsLibName, openRestrictedOs)

	ctx, cancel := context.WithTimeout(context.Background(), ScriptTimeout)
	defer cancel()
	state.SetContext(ctx)
	state.SetGlobal("actionParams", state.NewTable())
	state.SetGlobal("obj", toLua(state, object))

	function, err := state.LoadString(script)
	if err == nil {
		state.Push(function)
		err = state.PCall(0, lua.MultRet, nil)
	}
	if err != nil {
		var apiError *lua.ApiError
		if errors.As(err, &apiError) && apiError.Type == lua.ApiErrorRun {
			apiError.StackTrace = "" // Argo CD shows users the error without Lua's stack trace
		}
		return Health{}, err
	}
	return healthOf(state.Get(-1))
}

func healthOf(returned lua.LValue) (Health, error) {
	switch returned.Type() {
	case lua.LTNil:
		return Health{}, nil
	case lua.LTTable:
	default:
		return Health{}, fmt.Errorf("expect table output from Lua script, not %s", returned.Type())
	}
	encoded, err := luajson.Encode(returned)
	if err != nil {
		return Health{}, err
	}
	var health Health
	if err := json.Unmarshal(encoded, &health); err != nil {
		// An empty table encodes as [], which Argo CD reads as an empty status; its check for that
		// matches every type mismatch, so a status that is not a string reads the same way.
		var typeError *json.UnmarshalTypeError
		if errors.As(err, &typeError) {
			return Health{}, nil
		}
		return Health{}, err
	}
	if !slices.Contains(knownStatuses, health.Status) {
		return Health{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return health, nil
}

// toLua converts an object's fields as Argo CD does: numbers of any Go type become Lua numbers,
// json.Number a string, and values of other types nil.
func toLua(state *lua.LState, value any) lua.LValue {
	switch typed := value.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(typed)
	case string:
		return lua.LString(typed)
	case json.Number:
		return lua.LString(typed)
	case int:
		return lua.LNumber(typed)
	case int32:
		return lua.LNumber(typed)
	case int64:
		return lua.LNumber(typed)
	case float64:
		return lua.LNumber(typed)
	case []any:
		array := state.CreateTable(len(typed), 0)
		for _, item := range typed {
			array.Append(toLua(state, item))
		}
		return array
	case map[string]any:
		table := state.CreateTable(0, len(typed))
		for key, item := range typed {
			table.RawSetH(lua.LString(key), toLua(state, item))
		}
		return table
	default:
		return lua.LNil
	}
}
