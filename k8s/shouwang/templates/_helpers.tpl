{{/* Names, labels and the merge of `default:` into each component. */}}

{{- define "shouwang.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: {{ include "shouwang.componentName" (list $ "tasks") }} */}}
{{- define "shouwang.componentName" -}}
{{- printf "%s-%s" (include "shouwang.fullname" (index . 0)) (index . 1) -}}
{{- end -}}

{{- define "shouwang.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shouwang.labels" -}}
{{ include "shouwang.selectorLabels" . }}
app.kubernetes.io/part-of: shouwang
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels of one component: (list $ "tasks") */}}
{{- define "shouwang.componentLabels" -}}
{{ include "shouwang.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "shouwang.componentSelectorLabels" -}}
{{ include "shouwang.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/*
A deep merge where `over` wins, even with false, 0 or "" (sprig's merge treats those as unset,
so a component could not switch off what `default:` switches on). Lists are replaced whole.
Returns YAML: (dict "base" .Values.default "over" $component) | fromYaml
*/}}
{{- define "shouwang.deepMerge" -}}
{{- $base := .base | default dict -}}
{{- $over := .over | default dict -}}
{{- $out := dict -}}
{{- range $key, $value := $base -}}
{{- if hasKey $over $key -}}
{{- $other := index $over $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $other) -}}
{{- $_ := set $out $key (include "shouwang.deepMerge" (dict "base" $value "over" $other) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $other -}}
{{- end -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- range $key, $other := $over -}}
{{- if not (hasKey $base $key) -}}
{{- $_ := set $out $key $other -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* One component's settings, `default:` included: (list $ "tasks") | fromYaml */}}
{{- define "shouwang.component" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- include "shouwang.deepMerge" (dict "base" $root.Values.default "over" (index $root.Values.components $name)) -}}
{{- end -}}

{{- define "shouwang.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "shouwang.identitySecretName" -}}
{{- .Values.identity.existingSecret | default (printf "%s-identity" (include "shouwang.fullname" .)) -}}
{{- end -}}

{{- define "shouwang.mongodbSecretName" -}}
{{- .Values.mongodb.existingSecret | default (printf "%s-mongodb" (include "shouwang.fullname" .)) -}}
{{- end -}}

{{/* The gRPC address of a component, for <NAME>_ADDR: (list $ "identity") */}}
{{- define "shouwang.address" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $component := include "shouwang.component" (list $root $name) | fromYaml -}}
{{- printf "%s:%v" (include "shouwang.componentName" (list $root $name)) $component.ports.grpc -}}
{{- end -}}

{{/* Every component that serves gRPC and is enabled, in order. */}}
{{- define "shouwang.grpcComponents" -}}
{{- $names := list -}}
{{- range $name := keys .Values.components | sortAlpha -}}
{{- $component := include "shouwang.component" (list $ $name) | fromYaml -}}
{{- if and $component.enabled (not $component.http) -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{- define "shouwang.bridgeSecretName" -}}
{{- .Values.bridge.existingSecret | default (printf "%s-bridge" (include "shouwang.fullname" .)) -}}
{{- end -}}

{{/* Whether the bridge is deployed: components.bridge.enabled (default: off). */}}
{{- define "shouwang.bridgeEnabled" -}}
{{- $c := include "shouwang.component" (list . "bridge") | fromYaml -}}
{{- if $c.enabled }}true{{ end -}}
{{- end -}}

{{- define "shouwang.smsSecretName" -}}
{{- .Values.sms.existingSecret | default (printf "%s-sms" (include "shouwang.fullname" .)) -}}
{{- end -}}
