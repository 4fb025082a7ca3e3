"""Probe (not a test): the latency of a small GPU -> host download, end to end and per phase,
with variants of each phase alternated run by run in one process; then torch CUDA (its own
process) on the same cases.

Rows: ``float(t)`` of a one-element tensor already computed (a training loop's
``loss.item()``), ``x.cpu()`` of a 4 KiB tensor, ``a+a; float(t)`` (the download waits for a
1K add recorded just before it, as ``loss.item()`` waits for a step), ``gather; float(t)`` (the
same after a gather, whose device-side index check the download reads too, as after a
cross_entropy), ``upload; float(t)`` (a 4 KiB upload, then the download),
``mm N; float(t)`` (after an N x N matmul, a longer wait), and raw costs of the
pieces (a non-blocking and a blocking ``wgpuDevicePoll`` with nothing pending, a submitted
4-byte copy waited for by a blocking poll and by non-blocking polls). Then the medians of
each phase of one download: ``record`` (staging buffer, encoder, copy command), ``submit``
(finish + queue submit), ``mapreq`` (``wgpuBufferMapAsync``), ``wait`` (until the GPU
finished), ``mapcb`` (the poll that runs the map callback, for variants that wait before
they map), ``copy`` (mapped range + memcpy), ``unmap``, ``tail`` (pool bookkeeping, index
checks).

Variants: ``default`` is the library's own ``_download`` as configured by the environment;
``lib+spin``, ``lib+numpy``, ``lib+spin+numpy`` the library's own with its
``TRUENO_GPU_DOWNLOAD_SPIN_US=--spin-us`` / ``TRUENO_GPU_DOWNLOAD_COPY=numpy`` settings,
``lib+spinN`` with a bound of N µs (``lib+spin0``: blocking polls only, the old wait),
``lib+oldchecks`` with the index checks' flags read through wgpu-py's map_async as before,
``lib+oldupload`` with uploads through the pool's wgpu-py map (``TRUENO_GPU_UPLOAD_MAP=wgpu``)
(end to end only). The others are the probe's copy of the download, timed per phase, named
``WAIT[+STAGING][+COPY]``:
- WAIT ``block``: blocking polls until the map callback ran (the library's wait by default);
  ``spin``: non-blocking polls for at most ``--spin-us`` µs, then blocking polls (a bounded
  spin: the thread never burns more than that); ``idle``: a blocking poll first (the queue is
  idle), then the map request and one non-blocking poll; ``workdone``:
  ``wgpuQueueOnSubmittedWorkDone`` with a callback, blocking polls until it ran, then map.
- STAGING ``pool`` (the pool's reused MAP_READ buffer) or ``new`` (a new buffer per download,
  destroyed after it).
- ``+raw``: the map request, polls, mapped range and unmap through plain ``_lib`` calls, not
  wgpu-py's error-capturing ``libf`` proxy (what that proxy costs per download).
- COPY ``par`` (``np.frombuffer`` + ``par_copy``: the library's old small-download path, still
  its path for large ones) or ``memmove`` (``ffi.memmove`` into a new array: its default for
  small ones now).

    python tools/bench/probe_readback.py [--runs 15] [--inner 50] [--no-torch]
        [--variants default,lib+spin,block,spin,idle,...] [--spin-us 1000]
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

_ROOT = pathlib.Path(__file__).resolve().parents[2]
for _p in ("trueno-gpu", "trueno-core"):
    _src = _ROOT / "packages" / _p / "src"
    if _src.is_dir() and str(_src) not in sys.path:
        sys.path.append(str(_src))

import trueno.torch as tt  # noqa: E402
import trueno_gpu  # noqa: E402
import wgpu  # noqa: E402
from trueno_gpu import _transfers as tr  # noqa: E402
from trueno_gpu._pool import size_class  # noqa: E402
from trueno_gpu._transfers import _MAP_KEYS, _MAPPED, _ffi, _lib, _libf  # noqa: E402

_ns = time.perf_counter_ns
PHASES = ("record", "submit", "mapreq", "wait", "mapcb", "copy", "unmap", "tail")
_DONE: set[int] = set()
_IMPORTED, _IMPORTED_UP = dict(tr.DOWNLOAD), dict(tr.UPLOAD)


@_ffi.callback("void(WGPUQueueWorkDoneStatus, void *, void *)")
def _work_done(_status, key, _userdata2) -> None:
    _DONE.add(int(_ffi.cast("intptr_t", key)))


_INFO: list = []


def _map_info():
    """The map's callback info, made once (as the library does)."""
    if not _INFO:
        info = _ffi.new("WGPUBufferMapCallbackInfo *")
        info.mode = _lib.WGPUCallbackMode_AllowProcessEvents
        info.callback = tr._map_done
        _INFO.append(info)
    return _INFO[0]


def _download(rt, buffer, byte_offset, nbytes, dtype, count, *, wait, staging, copy, spin_us,
              raw, ph):
    """``Transfers._download`` with the variant's phases; appends (label, ns) to ``ph`` and
    ("#polls", device polls it took). ``raw``: map, poll, read and unmap through plain
    ``_lib`` calls instead of wgpu-py's error-capturing ``libf``."""
    lf = _lib if raw else _libf
    t = _ns()
    ph.append(("start", t))
    if staging == "new":
        stage = rt.device.create_buffer(size=size_class(nbytes),
                                        usage=wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST)
    else:
        stage = rt.pool.download_buffer(nbytes)
    encoder = rt.encoder()
    encoder.copy_buffer_to_buffer(buffer, byte_offset, stage, 0, nbytes)
    checks = rt.index_checks
    if checks.pending:
        checks.record_read(encoder)
    ph.append(("record", _ns()))
    rt._flush()
    ph.append(("submit", _ns()))
    handle = stage._internal
    dev = rt.device._internal
    key = next(_MAP_KEYS)
    info = _map_info()
    info.userdata1 = _ffi.cast("void *", key)
    polls = 0
    if wait in ("idle", "workdone"):
        if wait == "idle":
            lf.wgpuDevicePoll(dev, True, _ffi.NULL)
            polls += 1
        else:
            winfo = _ffi.new("WGPUQueueWorkDoneCallbackInfo *")
            winfo.mode = _lib.WGPUCallbackMode_AllowProcessEvents
            winfo.callback = _work_done
            winfo.userdata1 = _ffi.cast("void *", key)
            _libf.wgpuQueueOnSubmittedWorkDone(rt._queue, winfo[0])
            while key not in _DONE:
                lf.wgpuDevicePoll(dev, True, _ffi.NULL)
                polls += 1
            _DONE.discard(key)
        ph.append(("wait", _ns()))
        lf.wgpuBufferMapAsync(handle, _lib.WGPUMapMode_Read, 0, nbytes, info[0])
        ph.append(("mapreq", _ns()))
        while key not in _MAPPED:
            lf.wgpuDevicePoll(dev, False, _ffi.NULL)
            polls += 1
        ph.append(("mapcb", _ns()))
    else:
        lf.wgpuBufferMapAsync(handle, _lib.WGPUMapMode_Read, 0, nbytes, info[0])
        ph.append(("mapreq", _ns()))
        if wait == "spin":
            end = _ns() + spin_us * 1000
            while key not in _MAPPED and _ns() < end:
                lf.wgpuDevicePoll(dev, False, _ffi.NULL)
                polls += 1
        while key not in _MAPPED:
            lf.wgpuDevicePoll(dev, True, _ffi.NULL)
            polls += 1
        ph.append(("wait", _ns()))
    status = _MAPPED.pop(key)
    assert status == _lib.WGPUMapAsyncStatus_Success, status
    ptr = lf.wgpuBufferGetConstMappedRange(handle, 0, nbytes)
    assert ptr != _ffi.NULL
    if copy == "memmove":
        host = np.empty(count, dtype)
        _ffi.memmove(_ffi.from_buffer(host), ptr, host.nbytes)
    else:
        host, touching = tr.host_array(count, dtype)
        src = np.frombuffer(_ffi.buffer(ptr, nbytes), dtype=dtype, count=count)
        for f in touching:
            f.result()
        tr.par_copy(host.view(np.uint8), src.view(np.uint8))
        del src
    ph.append(("copy", _ns()))
    lf.wgpuBufferUnmap(handle)
    ph.append(("unmap", _ns()))
    if staging == "new":
        stage.destroy()
    else:
        rt.pool.download_done(stage)
    rt.pool.uploads_idle()
    err = checks.collect(rt)
    ph.append(("tail", _ns()))
    ph.append(("#polls", polls))
    if err is not None:
        raise err
    return host


def _read_idle_wgpu_py(rt, buffer, nbytes):
    """The index checks' old read of their flags: wgpu-py's map_async, read_mapped, unmap."""
    rt._map_now(buffer, wgpu.MapMode.READ, 0, nbytes)
    try:
        return bytes(buffer.read_mapped(0, nbytes))
    finally:
        buffer.unmap()


def _install(rt, variant: str, spin_us: int, ph: list):
    """Make ``variant`` the runtime's ``_download``: ``default`` is the library's own with the
    settings it was imported with; ``lib+spin`` / ``lib+numpy`` the library's own with
    ``DOWNLOAD["spin_us"] = spin_us`` / its old host copy (``DOWNLOAD["memmove"] = False``)."""
    rt.__dict__.pop("_download", None)
    rt.__dict__.pop("_read_idle", None)
    tr.DOWNLOAD.update(_IMPORTED)
    tr.UPLOAD.update(_IMPORTED_UP)
    if variant == "default":
        return
    parts = variant.split("+")
    if parts[0] == "lib":
        if "oldchecks" in parts[1:]:
            rt._read_idle = functools.partial(_read_idle_wgpu_py, rt)
        if "oldupload" in parts[1:]:
            tr.UPLOAD["capi"] = False
        for part in parts[1:]:
            if part.startswith("spin"):  # spin: --spin-us; spinN: N us
                tr.DOWNLOAD["spin_us"] = int(part[4:]) if part[4:] else spin_us
        if "numpy" in parts[1:]:
            tr.DOWNLOAD["memmove"] = False
        return
    wait = parts[0]
    staging = "new" if "new" in parts[1:] else "pool"
    copy = "memmove" if "memmove" in parts[1:] else "par"
    raw = "raw" in parts[1:]
    if wait not in ("block", "spin", "idle", "workdone"):
        raise SystemExit(f"unknown variant {variant!r}")
    fn = functools.partial(_download, rt, wait=wait, staging=staging, copy=copy,
                           spin_us=spin_us, raw=raw, ph=ph)
    rt._download = fn


def _raw_rows(rt, inner: int) -> dict[str, float]:
    """Medians (µs) of the pieces: polls with nothing pending, a 4-byte copy's round trip
    through raw wgpu-native calls (encoder, copy, finish, submit, then polls), into a storage
    buffer and into a MAP_READ staging buffer (host memory), with and without its map."""
    dev = rt.device._internal
    keep = rt.alloc(256), rt.alloc(256)
    src, dst = keep[0].buffer._internal, keep[1].buffer._internal
    stage = rt.device.create_buffer(size=256, usage=wgpu.BufferUsage.MAP_READ
                                    | wgpu.BufferUsage.COPY_DST)
    cbs = _ffi.new("WGPUCommandBuffer[1]")
    rows = collections.defaultdict(list)

    def copy_submit(t, to=dst):
        enc = _libf.wgpuDeviceCreateCommandEncoder(dev, _ffi.NULL)
        _libf.wgpuCommandEncoderCopyBufferToBuffer(enc, src, 0, to, 0, 4)
        t.append(_ns())
        cbs[0] = _libf.wgpuCommandEncoderFinish(enc, _ffi.NULL)
        _lib.wgpuCommandEncoderRelease(enc)
        t.append(_ns())
        _libf.wgpuQueueSubmit(rt._queue, 1, cbs)
        _lib.wgpuCommandBufferRelease(cbs[0])
        t.append(_ns())

    def until_done() -> int:
        polls = 1
        while not _libf.wgpuDevicePoll(dev, False, _ffi.NULL):
            polls += 1
        return polls

    def until_mapped(wait: bool) -> int:
        key = rt._map_request(stage._internal, 4, _lib.WGPUMapMode_Read)
        polls = 0
        while key not in _MAPPED:
            _libf.wgpuDevicePoll(dev, wait, _ffi.NULL)
            polls += 1
        assert _MAPPED.pop(key) == _lib.WGPUMapAsyncStatus_Success
        _libf.wgpuBufferUnmap(stage._internal)
        return polls

    for _ in range(inner):
        with rt.lock:
            rt.synchronize()
            t = [_ns()]
            _libf.wgpuDevicePoll(dev, False, _ffi.NULL)
            t.append(_ns())
            _libf.wgpuDevicePoll(dev, True, _ffi.NULL)
            t.append(_ns())
            copy_submit(t)
            _libf.wgpuDevicePoll(dev, True, _ffi.NULL)
            t.append(_ns())
            copy_submit(t)
            polls = until_done()
            t.append(_ns())
            copy_submit(t, stage._internal)
            polls_stage = until_done()
            t.append(_ns())
            copy_submit(t, stage._internal)
            polls_map = until_mapped(False)
            t.append(_ns())
            copy_submit(t, stage._internal)
            until_mapped(True)
            t.append(_ns())
        d = [b - a for a, b in zip(t, t[1:])]
        rows["poll(nowait), nothing pending"].append(d[0])
        rows["poll(wait), nothing pending"].append(d[1])
        rows["copy 4 B: encoder + copy"].append(d[2])
        rows["copy 4 B: finish"].append(d[3])
        rows["copy 4 B: submit"].append(d[4])
        rows["copy 4 B: poll(wait) until done"].append(d[5])
        rows["copy 4 B: poll(nowait) until done"].append(d[9])
        rows["  (non-blocking polls it took)"].append(polls * 1000)
        rows["copy 4 B -> MAP_READ: submit"].append(d[12])
        rows["  then poll(nowait) until done"].append(d[13])
        rows["  (non-blocking polls it took) "].append(polls_stage * 1000)
        rows["  + map: poll(nowait) until mapped"].append(d[17])
        rows["  (non-blocking polls it took)  "].append(polls_map * 1000)
        rows["  + map: poll(wait) until mapped"].append(d[21])
    stage.destroy()
    return {k: statistics.median(v) / 1e3 for k, v in rows.items()}


def _torch_child(runs: int, inner: int, n: int) -> None:
    """Print (one JSON line) PyTorch CUDA's medians (µs) of the same cases, or nothing without
    CUDA. A child process: a CUDA context in trueno's process slows the Vulkan device down
    (tools/bench/bench_train.py)."""
    try:
        import torch
    except ImportError:
        return
    if not torch.cuda.is_available():
        return
    h = np.random.default_rng(0).random(1024, dtype=np.float32)
    hm = np.random.default_rng(1).random((n, n), dtype=np.float32)
    ta, tm = torch.from_numpy(h).cuda(), torch.from_numpy(hm).cuda()
    tone, tvec = (ta[:1] * 2).sum(), ta * 3
    trev = torch.from_numpy(np.arange(1024)[::-1].copy()).cuda()
    cases = {"float(t)": tone.item, "x.cpu() 4 KiB": tvec.cpu,
             "a+a; float(t)": lambda: (ta + ta, tone.item())[1],
             "gather; float(t)": lambda: (torch.gather(ta, 0, trev), tone.item())[1],
             "upload; float(t)": lambda: (torch.from_numpy(h).cuda(), tone.item())[1],
             f"mm {n}; float(t)": lambda: (tm @ tm, tone.item())[1]}
    torch.cuda.synchronize()
    samples = collections.defaultdict(list)
    for run in range(runs + 1):
        for name, fn in cases.items():
            fn()
            for _ in range(inner):
                t0 = _ns()
                fn()
                if run:
                    samples[name].append(_ns() - t0)
    for _ in range(inner * 2):
        t0 = _ns()
        torch.cuda.synchronize()
        samples["sync"].append(_ns() - t0)
    out = {k: statistics.median(v) / 1e3 for k, v in samples.items()}
    out["device"] = f"torch {torch.__version__} on {torch.cuda.get_device_name()}"
    print(json.dumps(out))


def _torch_rows(args, n: int) -> dict:
    cmd = [sys.executable, __file__, "--child-torch", "--runs", str(args.runs), "--inner",
           str(args.inner), "--mm", str(n)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode or not lines:
        if res.returncode:
            print("torch child failed:", res.stderr[-2000:])
        return {}
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--inner", type=int, default=40)
    ap.add_argument("--spin-us", type=int, default=1000)
    ap.add_argument("--variants", default="default,lib+spin0,lib+numpy,lib+spin,lib+spin200,"
                                          "lib+spin+numpy,"
                                          "lib+oldchecks,lib+oldupload,block,"
                                          "spin,idle,workdone,block+new,block+memmove,"
                                          "spin+memmove+raw")
    ap.add_argument("--mm", type=int, default=0,
                    help="matmul size of the 'mm N; float(t)' row (0: 1024, 64 on lavapipe)")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--child-torch", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_torch:
        _torch_child(args.runs, args.inner, args.mm)
        return
    variants = args.variants.split(",")
    rt = trueno_gpu.get_runtime(0)
    print(f"adapter: {rt.name}; {args.runs} runs x {args.inner} downloads per variant, "
          f"alternated run by run; medians of every download (µs)", flush=True)
    h = np.random.default_rng(0).random(1024, dtype=np.float32)
    a = tt.from_numpy(h).to("gpu")
    one = (a[:1] * 2).sum()
    want_one, want_vec = float(h[0] * 2), h * 3
    vec = a * 3
    # a matmul before the download: the GPU is busy for a while when the wait starts (~0.1 ms
    # on an H100 at n=1024; n=64 on software adapters, whose matmuls run on this CPU)
    n = args.mm or (64 if rt.info.get("adapter_type") == "CPU" else 1024)
    hm = np.random.default_rng(1).random((n, n), dtype=np.float32)
    m = tt.from_numpy(hm).to("gpu")
    mm = f"mm {n}; float(t)"
    rev = tt.from_numpy(np.arange(1024)[::-1].copy()).to("gpu")
    cases = {"float(t)": lambda: float(one), "x.cpu() 4 KiB": lambda: vec.cpu(),
             "a+a; float(t)": lambda: (a + a, float(one))[1],
             "gather; float(t)": lambda: (tt.gather(a, 0, rev), float(one))[1],
             "upload; float(t)": lambda: (tt.from_numpy(h).to("gpu"), float(one))[1],
             mm: lambda: (m @ m, float(one))[1]}
    samples = collections.defaultdict(list)
    phases = {(v, c): collections.defaultdict(list) for v in variants for c in cases}
    ph: list = []
    for run in range(args.runs + 1):  # run 0 warms up
        for v in variants:
            _install(rt, v, args.spin_us, ph)
            for name, fn in cases.items():
                got = fn()
                if name != "x.cpu() 4 KiB":
                    assert got == want_one, (v, got, want_one)
                else:
                    assert np.array_equal(np.asarray(got.numpy()), want_vec), v
                ph.clear()
                for _ in range(args.inner):
                    t0 = _ns()
                    fn()
                    dt = _ns() - t0
                    if run:
                        samples[(v, name)].append(dt)
                if run and not v.startswith(("default", "lib")):
                    _phase_split(ph, phases[(v, name)])
        _install(rt, "default", 0, ph)
    med = {k: statistics.median(v) / 1e3 for k, v in samples.items()}
    torch_med = {} if args.no_torch else _torch_rows(args, n)
    rows = list(variants)
    if torch_med:
        print(f"torch row: {torch_med['device']}, its own process, after trueno's runs")
        rows.append("torch")
        med.update({("torch", c): torch_med[c] for c in cases})
    print(f"\n{'variant':<16}" + "".join(f"{c:>17}" for c in cases))
    for v in rows:
        print(f"{v:<16}" + "".join(f"{med[(v, c)]:17.1f}" for c in cases))
    timed = [v for v in variants if not v.startswith(("default", "lib"))]
    for c in cases if timed else ():
        print(f"\n{c}: phase medians (µs); 'sum' adds them, end to end adds the tensor layers")
        print(f"{'variant':<16}" + "".join(f"{p:>8}" for p in PHASES) + f"{'sum':>8}"
              + f"{'polls':>7}")
        for v in variants:
            if v.startswith(("default", "lib")):
                continue
            got = phases[(v, c)]
            ms = [statistics.median(got[p]) / 1e3 if got[p] else 0.0 for p in PHASES]
            polls = statistics.median(got["#polls"]) / 1e3 if got["#polls"] else 0
            print(f"{v:<16}" + "".join(f"{m:8.1f}" for m in ms) + f"{sum(ms):8.1f}"
                  + f"{polls:7.0f}")
    print("\npieces (µs, medians of", args.inner * 2, "each)")
    for k, m in _raw_rows(rt, args.inner * 2).items():
        print(f"  {k:<36}{m:9.1f}")
    if torch_med:
        print(f"  {'torch.cuda.synchronize(), idle':<36}{torch_med['sync']:9.1f}")


def _phase_split(ph: list, into: dict) -> None:
    """Durations of each labelled phase of the downloads recorded in ``ph``."""
    prev = None
    for label, t in ph:
        if label[0] == "#":
            into[label].append(t * 1000)
            continue
        if label != "start" and prev is not None:
            into[label].append(t - prev)
        prev = t


if __name__ == "__main__":
    main()
