#!/usr/bin/env bash
# Everything CI runs after scripts/setup.sh (which builds build/):
#   0. the format check (scripts/check_format.sh: clang-format 14 on every C++ source);
#   1. the whole test suite on the normal build (build/);
#   2. a clang build with AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/) and the
#      test suite under it (which tests, and why, below);
#   3. each libFuzzer target for FUZZ_SECONDS (default 60) from its seed corpus, into a
#      build-local corpus; any finding (crash, sanitizer report, uncaught exception, timeout, OOM)
#      fails the run and leaves the input in build-sanitize/fuzz-findings/ (docs/fuzzing.md).
# Any failure stops the script with a non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
JOBS=2  # a 2-core machine shared with other builds

step() { echo; echo "=== test.sh: $* ($(date -u +%H:%M:%S))"; }

step "0/3 every C++ source formatted as .clang-format says"
scripts/check_format.sh

# Test-only oracles, not needed to build or run graphc (so not in scripts/setup.sh): PyTorch for
# tests/e2e/pytorch_steps.sh, which fails under CI=true when it is missing; protobuf and crcmod for
# tests/e2e/log_dir.sh's independent reader of TensorBoard event files (tfevents_reader.py), PIL
# for its checks of the PNG pictures, Chromium to render graphc report's page headless (tests/e2e/report.sh);
# python3-onnx (onnx.checker on exported models) and libonnx-testdata (ONNX's backend node tests);
# python3-sklearn for its 8x8 digits (digits.csv.gz), the CSV data set of tests/e2e/data_csv.sh, and
# dataset-fashion-mnist, the .npz and .npy data set of tests/e2e/data_npz.sh.
missing=""
for p in python3-torch python3-protobuf python3-crcmod python3-pil chromium python3-onnx libonnx-testdata python3-sklearn dataset-fashion-mnist; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "test.sh: installing the test-only Debian packages$missing"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

# ONNX Runtime (npm onnxruntime-node, CPU) for tests/e2e/onnx_export.sh, which finds it beside the
# graphc binary in build/onnxruntime. --ignore-scripts: its install script downloads GPU binaries,
# neither needed nor possible here; the package carries its CPU library.
if [ ! -d build/onnxruntime/node_modules/onnxruntime-node ]; then
  echo "test.sh: installing onnxruntime-node into build/onnxruntime"
  mkdir -p build/onnxruntime
  npm install --prefix build/onnxruntime --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0
fi

step "1/3 the test suite on the normal build"
# Two tests at a time, as under the sanitizers: the tests time nothing, and CI's 45 minutes leave
# no room for one core idling while a test waits on a single-threaded compile or Python.
ctest --test-dir build --output-on-failure -j "$JOBS"

step "2/3 the sanitizer build (clang-14, ASan + UBSan, libFuzzer targets)"
# -gline-tables-only: reports name file and line at a fraction of full debug info's build time.
if [ ! -f build-sanitize/build.ninja ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-gline-tables-only \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DGRAPHC_SANITIZE=ON -DGRAPHC_FUZZ=ON
fi
cmake --build build-sanitize -j "$JOBS"

# Stack traces are symbolized by llvm-symbolizer from llvm-14 (which llvm-14-dev brings).
symbolizer="external_symbolizer_path=/usr/lib/llvm-14/bin/llvm-symbolizer"
# UBSan: print the stack (line tables above) and stop at the first report (the build also has
# -fno-sanitize-recover), so that the test fails. One check is off for one known bug of Halide's
# header, at compile time: cmake/sanitizer_ignorelist.txt says which and why.
export UBSAN_OPTIONS="$symbolizer:print_stacktrace=1:halt_on_error=1"
# ASan: its defaults otherwise, LeakSanitizer included. Measured on the whole suite: no leak
# report and no false positive from libHalide, libLLVM or the JIT-compiled kernels (those are not
# instrumented, so ASan cannot see their accesses: kernel bounds are the kernel tests' job). The
# one exception: the caches fontconfig and libltdl keep once PLplot draws a picture, suppressed by
# cmake/lsan_suppressions.txt. A report ends the process with a non-zero status.
export ASAN_OPTIONS="$symbolizer"
export LSAN_OPTIONS="suppressions=$PWD/cmake/lsan_suppressions.txt"

step "2/3 the test suite under the sanitizers (a subset, see below)"
# The whole suite took 14.8 min here under the sanitizers (unit 0.4, kernels 5.5, e2e 8.9 min,
# serial, before the kernel cache, GPU and AOT tests came), too long for CI's budget next to the
# normal build and suite. Kept: every test labelled unit, kernels, gradcheck, golden (autodiff and
# fusion dumps) and fuzz (the front end, IR, passes, codegen's lowering and the runtime,
# instrumented) and the e2e tests that reach host code no other test does: lenet5_one_epoch (the
# IDX reader, session and trainer on real MNIST), cli_errors (every bad-input path of the CLI),
# checkpoint and safetensors_interop (checkpoint save, load, resume), mlir (the MLIR export),
# nonfinite (the NaN rollback), kernel_cache (cache files, checksums, corrupt entries, dlopen),
# compile (the AOT library).
# Left to the normal build: determinism (lenet5_one_epoch's code, run twice), dump_stages (3.2 min)
# and ptx (both mostly Halide and LLVM, not instrumented, compiling every example; their front end
# is replayed by fuzz_regressions.frontend, the GPU schedules are checked by the kernel tests),
# interrupt (signal timing), onnx_export and onnx_export_v2 (short trainings, whose host code lenet5_one_epoch
# covers; the export itself runs under the sanitizers in the OnnxExport unit tests and cli_errors),
# pytorch_steps (three runs through the load, train and save paths that
# checkpoint already covers; what it adds is a comparison with PyTorch's numbers, not host code),
# v2_examples (three models' training, hundreds of kernels each: mostly LLVM; the loop's host code
# is lenet5_one_epoch's), onnx_pytorch_roundtrip and _v2 (PyTorch trainings; the importer's host code runs
# under the sanitizers in onnx_node_tests, the OnnxImport unit tests and its fuzz target), tutorial
# (image_folder's host code: the ImageFolder and ImageDecode unit tests and the images fuzz target)
# and augment (runtime/augment and the batch thread: the Augment and BatchPipeline unit tests),
# functions (a ResNet written with def/for/if trained twice, 2 min here: the front end's expansion
# runs under the sanitizers in the unit tests, fuzz_regressions.frontend and the frontend fuzzer),
# bench_peak (timing loops and kernel compiles; bench's host code is run by no user input),
# and the tests that run kernels on PoCL, opencl_training,
# DeviceResidency and GpuKernels (their CUDA cases need a GPU anyway): PoCL must be loaded with
# RTLD_DEEPBIND (kernels/device_runtime.h), which ASan's runtime refuses (it aborts the process),
# and PoCL's kernels are not instrumented anyway.
# Two tests at a time, one per core (the tests time nothing, so they may share the machine).
ctest --test-dir build-sanitize --output-on-failure -j "$JOBS" \
  -E '^(e2e\.(determinism|dump_stages|ptx|interrupt|opencl_training|pytorch_steps|onnx_export(_v2)?|v2_examples|onnx_pytorch_roundtrip(_v2)?|tutorial|augment|functions|bench_peak)|Api/(DeviceResidency|GpuKernels)\..*)$'

step "3/3 fuzzing, ${FUZZ_SECONDS} s per target"
fuzz() {
  local target="$1"; shift
  local corpus="build-sanitize/fuzz-corpus/$target" findings="build-sanitize/fuzz-findings/$target"
  mkdir -p "$corpus" "$findings"
  # The first directory is the corpus libFuzzer adds to; the seed directories after it are only
  # read. Directories only: given a file, libFuzzer replays it instead of fuzzing.
  # -timeout: a front end that takes seconds on a small input is a hang worth knowing about.
  # The log leaves out libFuzzer's line per new corpus entry (thousands); its exit status stays.
  "build-sanitize/tests/graphc_fuzz_$target" "$corpus" "$@" -max_total_time="$FUZZ_SECONDS" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -print_funcs=0 -artifact_prefix="$findings/" 2>&1 |
    grep -Ev '^#[0-9]+[[:space:]]+(NEW|REDUCE) '
  echo "test.sh: $target: no finding in ${FUZZ_SECONDS} s"
}
fuzz frontend examples -dict=tests/fuzz/mnn.dict -max_len=4096
fuzz readers tests/fuzz/corpus/readers -max_len=4096
fuzz onnx_import tests/fuzz/corpus/onnx_import -max_len=4096
fuzz arrays tests/fuzz/corpus/arrays -max_len=4096
fuzz images tests/fuzz/corpus/images -max_len=4096

step "all passed"
