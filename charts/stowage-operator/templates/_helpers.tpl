{{/* Names are fixed, as in deploy/: the operator's Lease is stowage-operator, and the CRDs and
ClusterRole are cluster-wide, so there is one installation per cluster. */}}
{{- define "stowage.name" -}}stowage-operator{{- end -}}

{{/* Labels of every object of the chart (deploy/'s, plus Helm's own). */}}
{{- define "stowage.labels" -}}
app.kubernetes.io/name: stowage-operator
app.kubernetes.io/part-of: stowage
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels of the Deployment, its pods and the ServiceAccount (no Helm label on the pods). */}}
{{- define "stowage.podLabels" -}}
app.kubernetes.io/name: stowage-operator
app.kubernetes.io/instance: stowage-operator
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: stowage
{{- end -}}

{{/* REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@DIGEST; argument: (list image chart). */}}
{{- define "stowage.image" -}}
{{- $img := index . 0 -}}
{{- $chart := index . 1 -}}
{{- $repo := $img.repository -}}
{{- if $img.registry }}{{ $repo = printf "%s/%s" $img.registry $img.repository }}{{ end -}}
{{- if $img.digest -}}
{{ $repo }}@{{ $img.digest }}
{{- else -}}
{{ $repo }}:{{ $img.tag | default $chart.AppVersion }}
{{- end -}}
{{- end -}}
