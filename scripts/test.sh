#!/usr/bin/env bash
# Quick start, second command: install what is missing, build, and run the whole test suite:
# the Release build's tests (including the install-and-consume test and the QASMBench circuits),
# then the same tests, less the heavy ones, under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc)"
"$root/scripts/setup.sh"

echo "== tests (Release)"
ctest --test-dir "$root/build" -j"$jobs" --output-on-failure

echo "== tests (address and undefined-behaviour sanitizers)"
# -O1 -g1 (line tables only): what the sanitizers need for exact reports with file:line, at half the
# compile time of -O2 -g, which keeps the whole suite under 10 minutes on 2 cores.
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DQKDLAB_SANITIZE=address,undefined \
    -DQKDLAB_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-sanitize" -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$root/build-sanitize" -j"$jobs" --output-on-failure --label-exclude "heavy|release_only"
