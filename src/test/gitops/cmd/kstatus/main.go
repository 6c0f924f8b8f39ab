// Command kstatus prints the kstatus status of Kubernetes objects, computed by
// sigs.k8s.io/cli-utils' status.Compute: the library Flux, kpt and the cli-utils applier use to
// decide whether an object has reconciled.
//
// From files (YAML or JSON, several documents or a List allowed):
//
//	kstatus FILE...
//
// From an API server, with client-go's dynamic client:
//
//	kstatus --kubeconfig FILE --namespace NS [--resource continuousbackupspolicies.v1alpha1.dynamodb.pitr.io] [--save DIR] NAME...
//
// --save writes each object read as DIR/NAME.yaml, so that what was judged can be judged again
// (by argo-health, for instance) and kept as evidence.
//
// It prints one JSON object per line, in the order of the arguments:
// {"name": ..., "status": "Current|InProgress|Failed|Terminating|NotFound|Unknown", "message": ...},
// with "file" naming the file in the first form. It exits 2 when an object could not be read or
// its status not computed (its line then says Unknown and why), 1 on wrong usage.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	"pitr.io/gitops-health/internal/objects"
)

type line struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "read the objects from this cluster instead of files")
	namespace := flag.String("namespace", "", "the namespace of the objects (with --kubeconfig)")
	resource := flag.String("resource", "continuousbackupspolicies.v1alpha1.dynamodb.pitr.io",
		"the objects' resource, as RESOURCE.VERSION.GROUP (with --kubeconfig)")
	save := flag.String("save", "", "write each object read from the cluster to DIR/NAME.yaml")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: kstatus FILE...\n"+
			"       kstatus --kubeconfig FILE --namespace NS [--resource R.V.G] [--save DIR] NAME...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(1)
	}
	output := json.NewEncoder(os.Stdout)
	output.SetEscapeHTML(false)
	var failed bool
	var err error
	if *kubeconfig == "" {
		failed, err = fromFiles(flag.Args(), output)
	} else {
		failed, err = fromCluster(*kubeconfig, *namespace, *resource, *save, flag.Args(), output)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(2)
	}
}

func fromFiles(files []string, output *json.Encoder) (bool, error) {
	failed := false
	for _, file := range files {
		read, err := objects.Read(file)
		if err != nil {
			return failed, err
		}
		for _, object := range read {
			result := compute(object)
			result.File = file
			failed = failed || result.Status == string(status.UnknownStatus)
			if err := output.Encode(result); err != nil {
				return failed, err
			}
		}
	}
	return failed, nil
}

func fromCluster(kubeconfig, namespace, resource, save string, names []string, output *json.Encoder) (bool, error) {
	gvr, _ := schema.ParseResourceArg(resource)
	if gvr == nil {
		return false, fmt.Errorf("--resource %q is not RESOURCE.VERSION.GROUP", resource)
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return false, err
	}
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		return false, err
	}
	if save != "" {
		if err := os.MkdirAll(save, 0o755); err != nil {
			return false, err
		}
	}
	failed := false
	for _, name := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		object, err := client.Resource(*gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
		cancel()
		var result line
		switch {
		case apierrors.IsNotFound(err):
			// What kstatus' own pollers report for an object that is not there.
			result = line{Name: name, Status: string(status.NotFoundStatus), Message: err.Error()}
		case err != nil:
			result = line{Name: name, Status: string(status.UnknownStatus), Message: err.Error()}
		default:
			result = compute(object)
			if save != "" {
				if err := write(filepath.Join(save, name+".yaml"), object); err != nil {
					return failed, err
				}
			}
		}
		failed = failed || result.Status == string(status.UnknownStatus)
		if err := output.Encode(result); err != nil {
			return failed, err
		}
	}
	return failed, nil
}

func compute(object *unstructured.Unstructured) line {
	result, err := status.Compute(object)
	if err != nil {
		return line{Name: object.GetName(), Status: string(status.UnknownStatus), Message: err.Error()}
	}
	return line{Name: object.GetName(), Status: string(result.Status), Message: result.Message}
}

func write(path string, object *unstructured.Unstructured) error {
	text, err := yaml.Marshal(object.Object)
	if err != nil {
		return err
	}
	return os.WriteFile(path, text, 0o644)
}
