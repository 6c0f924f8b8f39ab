// Command flux-health prints the health Flux's kustomize-controller computes for Kubernetes
// objects while it waits for a Kustomization, with the Kustomization's spec.healthCheckExprs.
//
//	flux-health KUSTOMIZATION FILE...
//
// KUSTOMIZATION is a Flux Kustomization (kustomize.toolkit.fluxcd.io/v1), decoded strictly into
// the controller's own API type, so that a misspelt field fails here as the API server would refuse
// it. Each FILE holds objects (YAML or JSON, several documents or a List allowed).
//
// The health is computed as the controller computes it: the status readers are built as
// kustomize-controller's getClientAndPoller builds them (internal/controller/
// kustomization_controller.go): fluxcd/pkg/runtime's cel.NewStatusReader on the healthCheckExprs,
// after runtime/statusreaders' NewCustomJobStatusReader, handed to fluxcd/cli-utils'
// polling.NewStatusPoller; that poller chooses the reader of each object and reads its status.
// Only the cluster is replaced: the poller reads each object from its file instead of from an
// API server, one object per poll (files may hold several versions of one object).
//
// It prints one JSON object per line, in the order of the files and their objects:
// {"name", "status": "Current|InProgress|Failed|Terminating|Unknown", "message", "file",
// "healthCheckExpr": whether an entry of healthCheckExprs judged it, rather than plain kstatus}.
// The message is the reader's, or the error that made the status Unknown (such as an expression
// naming a field the object does not have), which is what the controller shows when its wait
// times out. It exits 1 when it cannot run: wrong usage, an unreadable file, a Kustomization that
// would not wait (neither wait nor healthChecks: the controller then evaluates no expression), or
// healthCheckExprs the controller would refuse (it marks such a Kustomization Stalled).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/engine"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/event"
	"github.com/fluxcd/cli-utils/pkg/object"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/runtime/cel"
	"github.com/fluxcd/pkg/runtime/statusreaders"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"pitr.io/gitops-flux/internal/objects"
)

type line struct {
	Name            string `json:"name"`
	Status          string `json:"status"`
	Message         string `json:"message"`
	File            string `json:"file"`
	HealthCheckExpr bool   `json:"healthCheckExpr"`
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: flux-health KUSTOMIZATION FILE...")
		os.Exit(1)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "flux-health:", err)
		os.Exit(1)
	}
}

func run(kustomizationFile string, files []string) error {
	kustomization, err := readKustomization(kustomizationFile)
	if err != nil {
		return err
	}
	// What the controller does first in Reconcile; an error there is terminal for it.
	readerFor, err := cel.NewStatusReader(kustomization.Spec.HealthCheckExprs)
	if err != nil {
		return fmt.Errorf("%s: the controller would mark this Kustomization Stalled: %w",
			kustomizationFile, err)
	}
	output := json.NewEncoder(os.Stdout)
	output.SetEscapeHTML(false)
	for _, file := range files {
		read, err := objects.Read(file)
		if err != nil {
			return err
		}
		for _, obj := range read {
			result, err := health(kustomization, readerFor, obj)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", file, obj.GetName(), err)
			}
			result.File = file
			if err := output.Encode(result); err != nil {
				return err
			}
		}
	}
	return nil
}

func readKustomization(file string) (*kustomizev1.Kustomization, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	document, err := yaml.YAMLToJSON(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	// Case-sensitive, as the API server decodes: encoding/json would take "inprogress" for
	// "inProgress", where the API server drops it.
	var kustomization kustomizev1.Kustomization
	strict, err := kjson.UnmarshalStrict(document, &kustomization)
	if err == nil {
		err = errors.Join(strict...)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a Flux Kustomization: %w", file, err)
	}
	if kustomization.APIVersion != kustomizev1.GroupVersion.String() ||
		kustomization.Kind != kustomizev1.KustomizationKind {
		return nil, fmt.Errorf("%s: is %s %s, not %s %s", file, kustomization.APIVersion,
			kustomization.Kind, kustomizev1.GroupVersion, kustomizev1.KustomizationKind)
	}
	if !kustomization.Spec.Wait && len(kustomization.Spec.HealthChecks) == 0 {
		return nil, fmt.Errorf("%s: sets neither wait nor healthChecks: the controller would "+
			"not check health, and evaluate no healthCheckExprs", file)
	}
	return &kustomization, nil
}

// health polls one object once, with the status readers of kustomize-controller.
func health(kustomization *kustomizev1.Kustomization,
	readerFor func(meta.RESTMapper) engine.StatusReader,
	obj *unstructured.Unstructured) (line, error) {

	// The cluster's RESTMapper, knowing the one kind: the status readers look the kind up to read
	// the object.
	gvk := obj.GroupVersionKind()
	mapper := meta.NewDefaultRESTMapper([]schema.GroupVersion{gvk.GroupVersion()})
	scope := meta.RESTScopeRoot
	if obj.GetNamespace() != "" {
		scope = meta.RESTScopeNamespace
	}
	mapper.Add(gvk, scope)

	// As getClientAndPoller in kustomize-controller's internal/controller/
	// kustomization_controller.go.
	readers := make([]engine.StatusReader, 0, 2)
	readers = append(readers, statusreaders.NewCustomJobStatusReader(mapper))
	celReader := readerFor(mapper)
	if len(kustomization.Spec.HealthCheckExprs) > 0 {
		readers = append(readers, celReader)
	}
	poller := polling.NewStatusPoller(nil, mapper, polling.Options{
		CustomStatusReaders:  readers,
		ClusterReaderFactory: engine.ClusterReaderFactoryFunc(fileReaderFactory(obj)),
	})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := object.UnstructuredToObjMetadata(obj)
	events := poller.Poll(ctx, object.ObjMetadataSet{id}, polling.PollOptions{PollInterval: time.Minute})
	for e := range events {
		switch e.Type {
		case event.ErrorEvent:
			return line{}, e.Error
		case event.ResourceUpdateEvent:
			if e.Resource == nil || e.Resource.Identifier != id {
				continue
			}
			return verdict(obj, e.Resource, len(kustomization.Spec.HealthCheckExprs) > 0 &&
				celReader.Supports(gvk.GroupKind())), nil
		}
	}
	return line{}, errors.New("the poller ended without a status: " + context.Cause(ctx).Error())
}

func verdict(u *unstructured.Unstructured, rs *event.ResourceStatus, byExpression bool) line {
	message := rs.Message
	if rs.Error != nil {
		message = rs.Error.Error()
	}
	return line{Name: u.GetName(), Status: string(rs.Status), Message: message,
		HealthCheckExpr: byExpression}
}

// fileReaderFactory stands in for the cluster: the poller's reads find the one object of a file.
func fileReaderFactory(served *unstructured.Unstructured) func(client.Reader, meta.RESTMapper,
	object.ObjMetadataSet) (engine.ClusterReader, error) {
	return func(client.Reader, meta.RESTMapper, object.ObjMetadataSet) (engine.ClusterReader, error) {
		return fileReader{served: served}, nil
	}
}

type fileReader struct {
	served *unstructured.Unstructured
}

func (r fileReader) Get(_ context.Context, key client.ObjectKey, into *unstructured.Unstructured) error {
	wanted := into.GroupVersionKind()
	have := r.served.GroupVersionKind()
	if wanted.GroupKind() != have.GroupKind() || key.Namespace != r.served.GetNamespace() ||
		key.Name != r.served.GetName() {
		return apierrors.NewNotFound(
			wanted.GroupVersion().WithResource(wanted.Kind).GroupResource(), key.Name)
	}
	r.served.DeepCopyInto(into)
	return nil
}

func (r fileReader) ListNamespaceScoped(context.Context, *unstructured.UnstructuredList, string,
	labels.Selector) error {
	return nil // a generic object has no generated resources to list
}

func (r fileReader) ListClusterScoped(context.Context, *unstructured.UnstructuredList,
	labels.Selector) error {
	return nil
}

func (r fileReader) Sync(context.Context) error {
	return nil
}
