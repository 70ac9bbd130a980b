{{/*
The name of every object: fullnameOverride, else the release name when it already holds the
chart's name, else "<release>-aws-controller". At most 63 characters (label values).
*/}}
{{- define "aws-controller.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels the pods are selected by: `app=aws-controller`, plus the release. */}}
{{- define "aws-controller.selectorLabels" -}}
app: {{ .Chart.Name }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aws-controller.labels" -}}
{{ include "aws-controller.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The ServiceAccount the pods run as: the one named in the seed's key, else ours. */}}
{{- define "aws-controller.serviceAccountName" -}}
{{- .Values.spec.providerSettings.route53.serviceAccountName | default (include "aws-controller.fullname" .) -}}
{{- end -}}

{{- define "aws-controller.webhookServiceName" -}}
{{- printf "%s-webhook" (include "aws-controller.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "aws-controller.leaseName" -}}
{{- .Values.syncer.leaseName | default (printf "%s-syncer" (include "aws-controller.fullname" .)) -}}
{{- end -}}

{{/*
The Secret holding the serving certificate. Each mode has its own name, so switching modes
never has Helm delete a Secret cert-manager has just written (or the reverse).
*/}}
{{- define "aws-controller.tlsSecretName" -}}
{{- if eq .Values.tls.mode "secret" -}}
{{- required "tls.secretName is required when tls.mode is secret" .Values.tls.secretName -}}
{{- else if eq .Values.tls.mode "cert-manager" -}}
{{- printf "%s-webhook-cert" (include "aws-controller.fullname" .) -}}
{{- else -}}
{{- printf "%s-webhook-tls" (include "aws-controller.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
The owner ID: the value, else "<release>.<namespace>.<kube-system UID>" read from the cluster.
kube-system's UID is the usual stand-in for a cluster ID: unique, and stable for the cluster's
life. Without a cluster to read (helm template, Argo CD) there is no safe default: a wrong
or changing owner ID orphans records, or lets two clusters delete each other's.
*/}}
{{- define "aws-controller.ownerId" -}}
{{- if .Values.ownerId -}}
{{- .Values.ownerId -}}
{{- else -}}
{{- $kubeSystem := lookup "v1" "Namespace" "" "kube-system" -}}
{{- $uid := dig "metadata" "uid" "" $kubeSystem -}}
{{- if not $uid -}}
{{- fail "ownerId is required when the chart is rendered without a cluster to read (helm template, --dry-run=client, Argo CD): set ownerId to a name unique among every writer to your hosted zones, e.g. --set ownerId=prod-eu-west-1 (helm install and upgrade default it to <release>.<namespace>.<UID of kube-system>; keep that value once records exist)" -}}
{{- end -}}
{{- printf "%s.%s.%s" .Release.Name .Release.Namespace $uid -}}
{{- end -}}
{{- end -}}

{{/* matchConditions are beta (on by default) from Kubernetes 1.28 and GA from 1.30. */}}
{{- define "aws-controller.matchConditionsSupported" -}}
{{- if semverCompare ">=1.28.0-0" .Capabilities.KubeVersion.Version -}}true{{- end -}}
{{- end -}}

{{/* The serving certificate's DNS names and IPs: the Service's names, and webhook.url's host. */}}
{{- define "aws-controller.servingNames" -}}
{{- $svc := include "aws-controller.webhookServiceName" . -}}
{{- $dns := list $svc (printf "%s.%s" $svc .Release.Namespace) (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace) -}}
{{- $ips := list -}}
{{- with .Values.webhook.url -}}
{{- $host := regexReplaceAll ":[0-9]+$" (urlParse .).host "" | trimPrefix "[" | trimSuffix "]" -}}
{{- if or (regexMatch "^[0-9.]+$" $host) (contains ":" $host) -}}
{{- $ips = append $ips $host -}}
{{- else if $host -}}
{{- $dns = append $dns $host -}}
{{- end -}}
{{- end -}}
{{- dict "dns" $dns "ips" $ips | toJson -}}
{{- end -}}

{{- define "aws-controller.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "aws-controller.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* CEL: the object carries at least one of our annotation keys. */}}
{{- define "aws-controller.celHasOurKeys" -}}
has(object.metadata.annotations) && object.metadata.annotations.exists(k, k.startsWith('route53.v1beta1.tetrate.io/'))
{{- end -}}

{{/*
Whether a domain policy is set: any domain listed, or strict (which refuses every name no
entry covers, so it matters even with no entries).
*/}}
{{- define "aws-controller.domainPolicySet" -}}
{{- if or .Values.domainPolicy.strict .Values.domainPolicy.domains -}}true{{- end -}}
{{- end -}}

{{- define "aws-controller.domainPolicyConfigMapName" -}}
{{- printf "%s-domain-policy" (include "aws-controller.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
One webhook entry of the Mutating or Validating configuration. A dict: root, path, caBundle,
and for the fail-open entries `open` (failurePolicy Ignore) with `conditions` (their
matchConditions, instead of "carries our keys"). Only the entries for objects with our keys
fail closed.
*/}}
{{- define "aws-controller.webhook" -}}
{{- $root := .root -}}
{{- $values := $root.Values.webhook -}}
{{- $matchConditions := include "aws-controller.matchConditionsSupported" $root -}}
admissionReviewVersions: [v1]
sideEffects: None
timeoutSeconds: {{ $values.timeoutSeconds }}
{{- if .open }}
# Warns or enforces the domain policy, never blocks anything while the webhook is down.
failurePolicy: Ignore
{{- else }}
failurePolicy: {{ ternary $values.failurePolicy $values.failurePolicyWithoutMatchConditions (eq $matchConditions "true") }}
{{- end }}
matchPolicy: Equivalent
clientConfig:
  {{- if $values.url }}
  url: {{ printf "%s/%s" (trimSuffix "/" $values.url) .path | quote }}
  {{- else }}
  service:
    name: {{ include "aws-controller.webhookServiceName" $root }}
    namespace: {{ $root.Release.Namespace }}
    path: /{{ .path }}
    port: {{ $values.servicePort }}
  {{- end }}
  {{- with .caBundle }}
  caBundle: {{ . }}
  {{- end }}
# Exactly the kinds of the annotation contract; never their status subresources.
rules:
  - apiGroups: [networking.istio.io]
    apiVersions: [v1, v1beta1, v1alpha3]
    resources: [gateways, virtualservices]
    operations: [CREATE, UPDATE]
    scope: Namespaced
  - apiGroups: ['']
    apiVersions: [v1]
    resources: [services]
    operations: [CREATE, UPDATE]
    scope: Namespaced
  - apiGroups: [networking.k8s.io]
    apiVersions: [v1]
    resources: [ingresses]
    operations: [CREATE, UPDATE]
    scope: Namespaced
  - apiGroups: [gateway.networking.k8s.io]
    apiVersions: [v1, v1beta1]
    resources: [gateways, httproutes]
    operations: [CREATE, UPDATE]
    scope: Namespaced
{{- /*
The release namespace (istio-system, where Gateways often live) is validated too when
matchConditions exist: the chart's own objects of these kinds are its Services, which never
carry our keys, so no fail-closed entry ever matches them; Pods, Deployments, Leases, Secrets
and ConfigMaps are not in the rules at all. Without matchConditions every Service there would
be sent, so the namespace stays excluded.
*/}}
{{- $excluded := list "kube-system" -}}
{{- if ne $matchConditions "true" -}}
{{- $excluded = append $excluded $root.Release.Namespace -}}
{{- end }}
namespaceSelector:
  {{- with $values.namespaceSelector.matchLabels }}
  matchLabels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
        {{- toYaml (concat $excluded $values.excludeNamespaces | uniq) | nindent 8 }}
    {{- with $values.namespaceSelector.matchExpressions }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- if eq $matchConditions "true" }}
matchConditions:
{{- if .conditions }}
  {{- toYaml .conditions | nindent 2 }}
{{- else }}
  # Only objects carrying one of our keys are sent: an outage of the webhook blocks nothing else.
  - name: has-route53-annotations
    expression: {{ include "aws-controller.celHasOurKeys" $root | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
The syncer's NODE_OPTIONS from its runtime values (empty when none is set); optimizeForSize is
a flag of the syncer (NODE_OPTIONS refuses --optimize-for-size). The benchmark
(test/bench/controllers.ts, chartRuntime) composes the same settings from values.yaml.
*/}}
{{- define "aws-controller.syncerNodeOptions" -}}
{{- $s := .Values.syncer -}}
{{- $flags := list -}}
{{- if $s.heapLimitMiB }}{{ $flags = append $flags (printf "--max-old-space-size=%d" (int $s.heapLimitMiB)) }}{{ end -}}
{{- if $s.semiSpaceMiB }}{{ $flags = append $flags (printf "--max-semi-space-size=%d" (int $s.semiSpaceMiB)) }}{{ end -}}
{{- join " " $flags -}}
{{- end }}
