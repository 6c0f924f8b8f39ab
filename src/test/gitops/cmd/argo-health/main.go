// Command argo-health runs an Argo CD resource health script (health.lua) as Argo CD does (see
// package argocd for what that means).
//
//	argo-health eval [--use-open-libs=true] [--script-only] health.lua OBJECT_FILE...
//
// prints, for each object of the files (YAML or JSON, several documents or a List allowed), one
// JSON line {"name", "status", "message", "file"}: the health the Argo CD controller shows for it.
// --use-open-libs=false runs the script as an argocd-cm customization without useOpenLibs (only
// the base, package and table libraries); true, the default, as a built-in script of Argo CD's
// resource_customizations. --script-only skips the controller's own verdict on objects being
// deleted (Progressing, "Pending deletion"), as Argo CD's test of the scripts does. Exits 2 if
// the script failed on an object (its line says Unknown and why).
//
//	argo-health test [--use-open-libs=true] DIR
//
// runs DIR/health_test.yaml, in the format of Argo CD's resource_customizations
// (tests: [{inputPath: testdata/x.yaml, healthStatus: {status, message}}]), on DIR/health.lua as
// Argo CD's own test of them does; DIR must end in GROUP/KIND, as there, and each object must be of
// that group and kind (Argo CD finds the script by them). Prints one JSON line per case
// {"inputPath", "expected", "actual", "passed", "error"}, then lists every mismatch on standard
// error and exits 2 if there is any.
//
// Both exit 1 when they cannot run at all (wrong usage, a file that cannot be read).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"pitr.io/gitops-health/internal/argocd"
	"pitr.io/gitops-health/internal/objects"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	output := json.NewEncoder(os.Stdout)
	output.SetEscapeHTML(false)
	var code int
	var err error
	switch os.Args[1] {
	case "eval":
		code, err = eval(os.Args[2:], output)
	case "test":
		code, err = test(os.Args[2:], output)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "argo-health:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: argo-health eval [--use-open-libs=true] [--script-only] health.lua OBJECT_FILE...\n"+
		"       argo-health test [--use-open-libs=true] DIR")
	os.Exit(1)
}

type evaluated struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
	File    string `json:"file"`
}

func eval(arguments []string, output *json.Encoder) (int, error) {
	flags := flag.NewFlagSet("eval", flag.ExitOnError)
	openLibs := flags.Bool("use-open-libs", true, "open all standard libraries, as for a built-in script")
	scriptOnly := flags.Bool("script-only", false, "run the script on objects being deleted too")
	flags.Parse(arguments)
	if flags.NArg() < 2 {
		usage()
	}
	script, err := os.ReadFile(flags.Arg(0))
	if err != nil {
		return 1, err
	}
	code := 0
	for _, file := range flags.Args()[1:] {
		read, err := objects.Read(file)
		if err != nil {
			return 1, err
		}
		for _, object := range read {
			var health argocd.Health
			if *scriptOnly {
				health, err = argocd.Evaluate(string(script), object.Object, *openLibs)
				if err != nil {
					health = argocd.Health{Status: "Unknown", Message: err.Error()}
				}
			} else {
				health, err = argocd.OfResource(string(script), object, *openLibs)
			}
			if err != nil {
				code = 2
			}
			line := evaluated{Name: object.GetName(), Status: health.Status, Message: health.Message, File: file}
			if err := output.Encode(line); err != nil {
				return 1, err
			}
		}
	}
	return code, nil
}

// The format of Argo CD's health_test.yaml. Read as Argo CD reads it (sigs.k8s.io/yaml, so field
// names match without regard to case, and unknown ones are ignored).
type healthTests struct {
	Tests []struct {
		InputPath    string        `json:"inputPath"`
		HealthStatus argocd.Health `json:"healthStatus"`
	} `json:"tests"`
}

type caseResult struct {
	InputPath string        `json:"inputPath"`
	Expected  argocd.Health `json:"expected"`
	Actual    argocd.Health `json:"actual"`
	Passed    bool          `json:"passed"`
	Error     string        `json:"error,omitempty"`
}

func test(arguments []string, output *json.Encoder) (int, error) {
	flags := flag.NewFlagSet("test", flag.ExitOnError)
	openLibs := flags.Bool("use-open-libs", true, "open all standard libraries, as Argo CD's test does")
	flags.Parse(arguments)
	if flags.NArg() != 1 {
		usage()
	}
	directory := flags.Arg(0)
	script, err := os.ReadFile(filepath.Join(directory, "health.lua"))
	if err != nil {
		return 1, err
	}
	text, err := os.ReadFile(filepath.Join(directory, "health_test.yaml"))
	if err != nil {
		return 1, err
	}
	var tests healthTests
	if err := yaml.Unmarshal(text, &tests); err != nil {
		return 1, fmt.Errorf("health_test.yaml: %w", err)
	}
	if len(tests.Tests) == 0 {
		return 1, fmt.Errorf("%s has no tests", filepath.Join(directory, "health_test.yaml"))
	}
	absolute, err := filepath.Abs(directory)
	if err != nil {
		return 1, err
	}
	wantKind := filepath.Base(absolute)
	wantGroup := filepath.Base(filepath.Dir(absolute))

	var mismatches []caseResult
	for _, test := range tests.Tests {
		result := caseResult{InputPath: test.InputPath, Expected: test.HealthStatus}
		actual, err := runCase(string(script), filepath.Join(directory, test.InputPath), wantGroup, wantKind, *openLibs)
		if err != nil {
			result.Error = err.Error()
		} else {
			result.Actual = actual
			result.Passed = actual == test.HealthStatus
		}
		if !result.Passed {
			mismatches = append(mismatches, result)
		}
		if err := output.Encode(result); err != nil {
			return 1, err
		}
	}
	for _, mismatch := range mismatches {
		if mismatch.Error != "" {
			fmt.Fprintf(os.Stderr, "FAIL %s: %s\n", mismatch.InputPath, mismatch.Error)
		} else {
			fmt.Fprintf(os.Stderr, "FAIL %s: expected %+v, got %+v\n", mismatch.InputPath, mismatch.Expected, mismatch.Actual)
		}
	}
	if len(mismatches) > 0 {
		fmt.Fprintf(os.Stderr, "%d of %d cases failed\n", len(mismatches), len(tests.Tests))
		return 2, nil
	}
	fmt.Fprintf(os.Stderr, "all %d cases passed\n", len(tests.Tests))
	return 0, nil
}

// runCase reads the object as Argo CD's test does (one YAML document into a map: numbers become
// float64) and runs the script on it, after checking that Argo CD would pick this script for it.
func runCase(script, path, wantGroup, wantKind string, openLibs bool) (argocd.Health, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return argocd.Health{}, err
	}
	object := map[string]any{}
	if err := yaml.Unmarshal(text, &object); err != nil {
		return argocd.Health{}, err
	}
	kind := (&unstructured.Unstructured{Object: object}).GroupVersionKind()
	if kind.Group != wantGroup || kind.Kind != wantKind {
		return argocd.Health{}, fmt.Errorf("the object is a %s, but Argo CD runs this script for %s/%s only",
			kind.GroupKind(), wantGroup, wantKind)
	}
	return argocd.Evaluate(script, object, openLibs)
}
