#!/usr/bin/env bash
# Installs what graphc needs that this Debian 12 machine lacks, fetches real MNIST, builds.
# Idempotent: a second run installs, downloads and rebuilds nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Halide 14 (kernels), fmt and CLI11 (the command line), GoogleTest, zlib (gzip
# IDX files), the build tools;
# nlohmann-json3-dev (header-only JSON: the safetensors checkpoint header) and libpng-dev (PNG
# files for the decoder's unit tests); libmlir-14-dev and llvm-14-dev (MLIR's C++ API and CMake config:
# `dump --stage mlir` builds TOSA) and mlir-14-tools (mlir-opt-14 and mlir-cpu-runner-14, which
# tests/e2e/mlir.sh uses to verify and run the exported modules); pocl-opencl-icd and
# ocl-icd-opencl-dev (an OpenCL platform on the CPU and the libOpenCL.so Halide loads: `--target
# opencl` runs the GPU schedules here, tests/e2e/opencl_training.sh); clang-14 and
# libclang-rt-14-dev (its AddressSanitizer, UBSan and libFuzzer runtimes: scripts/test.sh's
# sanitizer build and fuzzers); libcli11-dev (header-only flag parsing for the verbs) and
# clang-format-14 (the sources' format, .clang-format); libplplot-dev and plplot-driver-cairo (PLplot
# and its cairo PNG driver: --log-dir's curves.png, runtime/plots.cpp); libstb-dev (stb_image: the
# PNG and JPEG decoder of image_folder data and `graphc predict`); libjpeg62-turbo-dev (reads a JPEG
# end to end before stb_image does: Debian's stb keeps asserts that corrupt data reaches); libonnx-dev (ONNX's protobuf
# classes and checker: `graphc export` and `graphc import`); libminizip-dev (zlib's zip reader: the
# members of NumPy .npz archives, npz(...) data); dataset-fashion-mnist (Fashion-MNIST in
# /usr/share/datasets/fashion-mnist, where `fashion_mnist()` reads it: examples/resnet_fashion.mnn
# trains on it, tests/e2e/v2_examples.sh runs it); libopenmpi-dev and openmpi-bin (Open MPI and
# its mpirun: data-parallel training, `mpirun -np N graphc run`, docs/distributed.md).
PACKAGES="libopenmpi-dev openmpi-bin dataset-fashion-mnist libminizip-dev libstb-dev libjpeg62-turbo-dev libonnx-dev libhalide14-0-dev libfmt-dev libgtest-dev zlib1g-dev cmake ninja-build g++ nodejs npm nlohmann-json3-dev libpng-dev libmlir-14-dev llvm-14-dev mlir-14-tools pocl-opencl-icd ocl-icd-opencl-dev clang-14 libclang-rt-14-dev libcli11-dev clang-format-14 libplplot-dev plplot-driver-cairo"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# nodejs from another source may provide npm itself; accept any working npm.
if [[ "$missing" == *" npm"* ]] && command -v npm >/dev/null; then missing="${missing/ npm/}"; fi
if [[ "$missing" == *" nodejs"* ]] && command -v node >/dev/null; then missing="${missing/ nodejs/}"; fi
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

scripts/fetch_mnist.sh data/mnist

# CI (.ci/run sets CI=true) treats warnings as errors: a build/ configured without -Werror is
# configured again. Elsewhere build/ keeps the GRAPHC_WERROR it has (OFF when first configured).
werror=""
if [ "${CI:-}" = true ]; then werror=ON; fi
if [ ! -f build/build.ninja ] ||
   { [ -n "$werror" ] && ! grep -qx "GRAPHC_WERROR:BOOL=$werror" build/CMakeCache.txt; }; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGRAPHC_MPI=ON ${werror:+-DGRAPHC_WERROR=$werror}
fi
cmake --build build
