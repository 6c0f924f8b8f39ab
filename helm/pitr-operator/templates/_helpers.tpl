{{/* The release's full name, at most 63 characters. */}}
{{- define "pitr-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pitr-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pitr-operator.labels" -}}
{{ include "pitr-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pitr-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pitr-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "pitr-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The restricted Pod Security Standard, for the operator and the emulator alike. */}}
{{- define "pitr-operator.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 185
runAsGroup: 185
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "pitr-operator.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Rules for policies: the operator's whole need in the namespaces it watches. */}}
{{- define "pitr-operator.policyRules" -}}
- apiGroups: [dynamodb.pitr.io]
  resources: [continuousbackupspolicies]
  # watch the policies; patch/update add and remove the disable-on-delete finalizer; create and
  # delete: the policies policy sets generate (a set's own, found by its owner reference)
  verbs: [get, list, watch, patch, update, create, delete]
- apiGroups: [dynamodb.pitr.io]
  resources: [continuousbackupspolicies/status]
  verbs: [get, patch, update]
- apiGroups: [dynamodb.pitr.io]
  resources: [continuousbackupspolicies/finalizers]
  verbs: [update]
- apiGroups: [dynamodb.pitr.io]
  resources: [continuousbackupspolicysets]
  verbs: [get, list, watch]
- apiGroups: [dynamodb.pitr.io]
  resources: [continuousbackupspolicysets/status]
  verbs: [get, patch, update]
- apiGroups: [dynamodb.pitr.io]
  # owner references that block the set's deletion until its policies are gone
  resources: [continuousbackupspolicysets/finalizers]
  verbs: [update]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end -}}

{{/* An alert's labels: its severity, and prometheusRule.alertLabels (which cannot override it). */}}
{{- define "pitr-operator.alertLabels" -}}
{{- toYaml (merge (dict "severity" .severity) .root.Values.prometheusRule.alertLabels) -}}
{{- end -}}
