#!/usr/bin/env bash
# make manifests: render each Kubernetes overlay into build/k8s/<overlay>.yaml (kubectl's
# built-in kustomize) and validate it against the Kubernetes schemas (offline). The
# operator's and Prometheus's CRD kinds have no schema there: the validator warns about
# them and tests/deploy checks their shape.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x "$VENV/bin/kubectl" ] || "$ROOT/scripts/bootstrap.sh"
mkdir -p build/k8s
for overlay in dev prod; do
  "$VENV/bin/kubectl" kustomize "k8s/overlays/$overlay" > "build/k8s/$overlay.yaml"
  "$VENV/bin/kubernetes-validate" --strict --quiet -k 1.37.0 "build/k8s/$overlay.yaml"
  say "build/k8s/$overlay.yaml: $(grep -c '^kind:' "build/k8s/$overlay.yaml") objects, valid"
done
