{{- define "vmcp-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vmcp-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vmcp-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vmcp-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "vmcp-operator.labels" -}}
{{ include "vmcp-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: vmcp
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "vmcp-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vmcp-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The namespace whose VirtualMCPServers are reconciled; "" = all (cluster scope). */}}
{{- define "vmcp-operator.watchNamespace" -}}
{{- if eq .Values.scope "namespace" -}}
{{- default .Release.Namespace .Values.watchNamespace -}}
{{- else if eq .Values.scope "cluster" -}}
{{- else -}}
{{- fail (printf "scope must be cluster or namespace, got %q" .Values.scope) -}}
{{- end -}}
{{- end -}}

{{/*
What the operator reads and writes. It also holds everything it grants the runtime's Role
(RBAC forbids granting what one does not hold, and the chart does not give it `escalate`/`bind`).
*/}}
{{- define "vmcp-operator.rules" -}}
- apiGroups: [toolhive.stacklok.dev]
  resources:
    - virtualmcpservers
    - mcpgroups
    - mcpservers
    - mcpremoteproxies
    - mcpserverentries
    - mcpexternalauthconfigs
    - mcptoolconfigs
    - virtualmcpcompositetooldefinitions
    - mcpauthzconfigs
    - mcpoidcconfigs
    - mcptelemetryconfigs
  verbs: [get, list, watch]
- apiGroups: [toolhive.stacklok.dev]
  resources:
    - virtualmcpservers/status
    - mcpgroups/status
    - mcpservers/status
    - mcpremoteproxies/status
    - mcpserverentries/status
    - mcpexternalauthconfigs/status
    - mcptoolconfigs/status
    - virtualmcpcompositetooldefinitions/status
    - mcpauthzconfigs/status
    - mcpoidcconfigs/status
    - mcptelemetryconfigs/status
  verbs: [get, patch, update]
# Owned objects of every VirtualMCPServer (server-side apply = patch; create for the first apply).
# Deleted with their owner by the garbage collector (owner references); the one exception below.
- apiGroups: [""]
  resources: [configmaps, services, serviceaccounts]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch]
# The one delete: an MCPServer switched between transport stdio and an HTTP one loses what the
# old transport ran and the new one does not use (StatefulSet, proxy Deployment or ServiceAccount,
# Role, RoleBinding), each deleted by name with its uid as a precondition, only when the MCPServer
# is its controller. Nothing else is ever deleted: the garbage collector removes the rest.
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [delete]
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [delete]
# At most one runtime pod evicted at a time (every VirtualMCPServer has one budget).
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, update, patch]
# The runtime pods, read only: a container waiting on its image (wrong tag, no pull access) is
# reported in the VirtualMCPServer's DeploymentReady condition, naming the image.
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
# The proxy of a stdio MCPServer attaches to its server's pod; the operator grants that in the
# proxy's Role (pods/attach on that one pod: get for a WebSocket, create for SPDY), so it must
# hold the verbs itself. It never attaches.
- apiGroups: [""]
  resources: [pods/attach]
  verbs: [get, create]
# Secrets: existence checks of referenced keys (values are dropped on read) and the `get` the
# runtime's Role grants on its backends' secrets.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
# Secrets: create only, for each VirtualMCPServer's session-keys Secret (created once, never
# updated or deleted by the operator; garbage collection removes it with its owner). RBAC cannot
# limit create to names (resourceNames does not apply to create), so this grants creating any
# Secret in the watched namespaces; the operator never reads key material back (dropped on read).
- apiGroups: [""]
  resources: [secrets]
  verbs: [create]
# The runtime's status-reporter Lease: created and cached (owned object) by the operator, which
# also grants the runtime get/update on it (so holds those verbs itself).
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, list, watch, create, update, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch, update]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch, update]
{{- end -}}
