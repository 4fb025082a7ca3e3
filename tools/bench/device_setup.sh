#!/usr/bin/env bash
# Set up trueno on a lent NVIDIA machine that has no network: the Vulkan loader from .gl/
# (Debian packages), wheels from .whl/ (made here by device_wheels.sh at constraints.txt's
# versions: wgpu, numpy, ml_dtypes, pytest, ...), then trueno-core, -gpu, -autograd and -nn
# installed from this checkout into /tmp/site, which shadows the machine's own packages; a
# cp312 trueno_simd wheel placed in .whl/ (pip wheel packages/trueno-simd) comes with them.
# Usage (source it): . tools/bench/device_setup.sh
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/buildsite .whl/hatchling-*.whl .whl/packaging-*.whl .whl/pathspec-*.whl \
    .whl/setuptools-*.whl \
    .whl/pluggy-*.whl .whl/trove_classifiers-*.whl
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
# --upgrade: on a machine still warm from an earlier call, replace that call's trueno packages
# (without it pip keeps the old ones, and the run measures the earlier commit)
PYTHONPATH=/tmp/buildsite python3 -m pip install -q --no-index --no-deps --no-build-isolation \
    --upgrade --target /tmp/site packages/trueno-core packages/trueno-gpu packages/trueno-autograd \
    packages/trueno-nn
export PYTHONPATH=/tmp/site
export PYTHONUNBUFFERED=1
python3 -c "import trueno, trueno_gpu; print('backends', [b['name'] for b in trueno.backends()]); print(trueno_gpu.adapter_info())"
