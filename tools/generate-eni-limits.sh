#!/usr/bin/env bash
# Regenerates src/domain/data/eni-limits.json from the Amazon VPC CNI's instance table
# (github.com/aws/amazon-vpc-cni-k8s, through the Go module proxy): see scripts/generate-eni-limits.ts.
#   bash tools/generate-eni-limits.sh [module version, default latest]
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx scripts/generate-eni-limits.ts "$@"
