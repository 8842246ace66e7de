{{/* Chart name, or nameOverride. */}}
{{- define "scx-slo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the release's objects: the release name if it contains the chart name. */}}
{{- define "scx-slo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the agent pods; never change them after install. */}}
{{- define "scx-slo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scx-slo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object but the component one. */}}
{{- define "scx-slo.baseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "scx-slo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: scx-slo
{{- end -}}

{{/* Labels of the agent's objects. */}}
{{- define "scx-slo.labels" -}}
{{ include "scx-slo.baseLabels" . }}
app.kubernetes.io/component: agent
{{- end -}}

{{/* The ServiceAccount the agent runs as. */}}
{{- define "scx-slo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "scx-slo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The agent image. */}}
{{- define "scx-slo.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
