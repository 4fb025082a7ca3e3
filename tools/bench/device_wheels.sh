#!/usr/bin/env bash
# Download, here, the cp312 wheels the lent GPU machine needs (it has no network) into .whl/,
# at the versions constraints.txt pins, so the GPU suite there runs with CI's versions.
# Usage: bash tools/bench/device_wheels.sh   (then carry .whl and .gl; see device_setup.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
names="wgpu cffi pycparser rendercanvas ml_dtypes pluggy numpy pytest iniconfig packaging
pygments hypothesis sortedcontainers hatchling pathspec trove-classifiers setuptools"
specs=()
for n in $names; do
  pin=$(grep -i -E "^${n}==" constraints.txt | grep -v 'python_version < ' | head -1 | cut -d';' -f1)
  specs+=("${pin:?$n is not pinned in constraints.txt}")
done
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
    -d .whl "${specs[@]}"
