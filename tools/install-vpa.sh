#!/usr/bin/env bash
# The Vertical Pod Autoscaler's recommender and updater (k8s.io/autoscaler/vertical-pod-autoscaler),
# built from the Go module proxy. The admission controller is left out: it is a webhook the
# apiserver calls, and under KWOK no pod serves it.
TOOL_NAME=vpa
source "$(dirname "$0")/lib.sh"
dest=$(cache_dir vpa "$VPA_VERSION")
if is_installed "$dest"; then done_with "cached at $dest/bin"; exit 0; fi
rm -rf "$dest" && mkdir -p "$dest/bin" "$dest/deploy"
module=k8s.io/autoscaler/vertical-pod-autoscaler
# Its go.mod has exclude directives, so `go install pkg@version` refuses it ("must not contain
# directives that would cause it to be interpreted differently than if it were the main
# module"): the module's source, as the proxy serves it, is built as the main module instead.
src=$(GOTOOLCHAIN=auto go mod download -json "$module@$VPA_VERSION" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
work=$(mktemp -d); trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work/" && chmod -R u+w "$work"
(cd "$work" && CGO_ENABLED=0 GOTOOLCHAIN=auto go build -trimpath -ldflags='-s -w' -o "$dest/bin/" ./pkg/recommender ./pkg/updater)
# The release's own CRDs (VerticalPodAutoscaler, VerticalPodAutoscalerCheckpoint), for a test
# bed that runs the recommender without the chart.
cp "$src/deploy/vpa-v1-crd-gen.yaml" "$dest/deploy/"
mark_installed "$dest"
done_with "go build $module@$VPA_VERSION recommender and updater into $dest/bin"
