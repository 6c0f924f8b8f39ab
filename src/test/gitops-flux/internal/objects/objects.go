// Package objects reads Kubernetes objects from YAML or JSON files, as the API server would
// return them: integers as int64, which is what Flux's status poller and its CEL expressions see.
// (The module of kstatus and argo-health has its own copy: a Go module cannot import another's
// internal packages, and these programs keep Flux's dependency versions apart from those.)
package objects

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Read returns every object of a file, in order: each YAML document, and each item of a List.
func Read(path string) ([]*unstructured.Unstructured, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	decoder := utilyaml.NewYAMLOrJSONDecoder(file, 4096)
	var read []*unstructured.Unstructured
	for {
		var document json.RawMessage
		if err := decoder.Decode(&document); err != nil {
			if errors.Is(err, io.EOF) {
				return read, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		trimmed := bytes.TrimSpace(document)
		if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
			continue // an empty document, such as after a trailing "---"
		}
		decoded, err := runtime.Decode(unstructured.UnstructuredJSONScheme, trimmed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch object := decoded.(type) {
		case *unstructured.Unstructured:
			read = append(read, object)
		case *unstructured.UnstructuredList:
			for i := range object.Items {
				read = append(read, &object.Items[i])
			}
		default:
			return nil, fmt.Errorf("%s: not a Kubernetes object: %T", path, decoded)
		}
	}
}
