"""Writing files behaves as NumPy's writers do (``open(path, "wb")``): the mode under the
umask, an existing file's mode and owner, symlinks and hard links written through, FIFOs and
devices written directly, a writable file in a read-only directory, errors naming the user's
path; and a failed write of a regular file leaves it as it was, with no temporary behind.

Every case runs each writer (save, savez, savez_compressed, savetxt, savetxt to .gz, tofile
raw and text) through trueno and through NumPy on twin paths and compares the results."""

from __future__ import annotations

import doctest
import importlib
import io
import os
import pickle
import stat
import threading

import numpy as np
import pytest

import trueno as tn

A = np.arange(12.0).reshape(3, 4) / 3
OLD = np.full((2, 2), -1.0)


def _npz_read(p):
    with np.load(p) as f:
        return f["a"]


# name: (suffix, trueno writer, NumPy writer, reader of what either wrote)
WRITERS = {
    "save": (".npy", lambda p, a: tn.save(p, tn.asarray(a)), np.save, np.load),
    "savez": (".npz", lambda p, a: tn.savez(p, a=tn.asarray(a)),
              lambda p, a: np.savez(p, a=a), _npz_read),
    "savez_compressed": (".npz", lambda p, a: tn.savez_compressed(p, a=a),
                         lambda p, a: np.savez_compressed(p, a=a), _npz_read),
    "savetxt": (".txt", lambda p, a: tn.savetxt(p, tn.asarray(a)), np.savetxt, np.loadtxt),
    "savetxt_gz": (".txt.gz", lambda p, a: tn.savetxt(p, a), np.savetxt, np.loadtxt),
    "tofile": (".bin", lambda p, a: tn.asarray(a).tofile(p), lambda p, a: a.tofile(p),
               lambda p: np.fromfile(p).reshape(-1, 2) if os.path.getsize(p) == 32
               else np.fromfile(p).reshape(3, 4)),
    "tofile_text": (".csv", lambda p, a: tn.asarray(a).tofile(p, sep=","),
                    lambda p, a: a.tofile(p, sep=","),
                    lambda p: np.fromfile(p, sep=",").reshape(-1, 2 if
                                                              os.path.getsize(p) < 40 else 4)),
}


def _write_both(tmp_path, writer, setup):
    """Run ``setup(dir, name)`` in twin directories, write A there with trueno and NumPy;
    ``(trueno_dir, numpy_dir, name)``."""
    suffix, tn_write, np_write, _ = WRITERS[writer]
    name = "f" + suffix
    dirs = []
    for who, write in (("tn", tn_write), ("np", np_write)):
        d = tmp_path / who
        d.mkdir()
        setup(d, name)
        write(str(d / name), A)
        dirs.append(d)
    return dirs[0], dirs[1], name


def _read(writer, p):
    got = WRITERS[writer][3](str(p))
    return got.reshape(A.shape) if got.size == A.size else got


def _old_file(writer, p):
    WRITERS[writer][2](str(p), OLD)


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda m: os.umask(m)
    os.umask(old)


# --- modes and owners ------------------------------------------------------------------------
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o027])
@pytest.mark.parametrize("writer", WRITERS)
def test_new_file_mode_follows_the_umask_as_numpy(tmp_path, umask, writer, mask):
    umask(mask)
    t, n, name = _write_both(tmp_path, writer, lambda d, name: None)
    want = stat.S_IMODE(os.stat(n / name).st_mode)
    assert want == 0o666 & ~mask
    assert stat.S_IMODE(os.stat(t / name).st_mode) == want
    np.testing.assert_array_equal(_read(writer, t / name), A)
    assert sorted(os.listdir(t)) == [name]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o755, 0o600])
@pytest.mark.parametrize("writer", WRITERS)
def test_existing_file_keeps_its_mode(tmp_path, umask, writer, mode):
    def setup(d, name):
        _old_file(writer, d / name)
        os.chmod(d / name, mode)
    t, n, name = _write_both(tmp_path, writer, setup)
    assert stat.S_IMODE(os.stat(n / name).st_mode) == mode
    assert stat.S_IMODE(os.stat(t / name).st_mode) == mode
    np.testing.assert_array_equal(_read(writer, t / name), A)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0,
                    reason="giving a file to another user needs root")
@pytest.mark.parametrize("writer", ["save", "savetxt", "tofile"])
def test_existing_file_keeps_its_owner(tmp_path, writer):
    def setup(d, name):
        _old_file(writer, d / name)
        os.chown(d / name, 65534, 65534)
    t, n, name = _write_both(tmp_path, writer, setup)
    owner = lambda p: (os.stat(p).st_uid, os.stat(p).st_gid)  # noqa: E731
    assert owner(n / name) == owner(t / name) == (65534, 65534)
    np.testing.assert_array_equal(_read(writer, t / name), A)


# --- links -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["relative", "absolute", "other_dir", "chain", "dangling"])
@pytest.mark.parametrize("writer", WRITERS)
def test_symlink_is_written_through_and_stays_a_link(tmp_path, writer, kind):
    suffix = WRITERS[writer][0]

    def setup(d, name):
        real = d / "sub" / ("real" + suffix) if kind == "other_dir" else d / ("real" + suffix)
        real.parent.mkdir(exist_ok=True)
        if kind != "dangling":
            _old_file(writer, real)
        if kind == "chain":
            os.symlink(real.name, d / ("mid" + suffix))
            os.symlink("mid" + suffix, d / name)
        else:
            os.symlink(real if kind == "absolute" else os.path.relpath(real, d), d / name)
    for d, (_, _, name) in zip(("tn", "np"), [_write_both(tmp_path, writer, setup)] * 2):
        link, real = tmp_path / d / name, tmp_path / d / ("real" + suffix)
        if kind == "other_dir":
            real = tmp_path / d / "sub" / ("real" + suffix)
        assert link.is_symlink(), d
        np.testing.assert_array_equal(_read(writer, real), A)
    listing = [sorted(os.listdir(tmp_path / d)) for d in ("tn", "np")]
    assert listing[0] == listing[1]


@pytest.mark.parametrize("writer", WRITERS)
def test_hard_links_see_the_new_data(tmp_path, writer):
    other = "other" + WRITERS[writer][0]

    def setup(d, name):
        _old_file(writer, d / name)
        os.link(d / name, d / other)
    t, n, name = _write_both(tmp_path, writer, setup)
    for d in (n, t):
        np.testing.assert_array_equal(_read(writer, d / other), A)
        assert os.stat(d / name).st_ino == os.stat(d / other).st_ino
        assert os.stat(d / name).st_nlink == 2
    assert sorted(os.listdir(t)) == sorted(os.listdir(n)) == sorted([name, other])


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="Linux's /proc/self/fd")
def test_a_file_reached_through_proc_fd_is_written_in_place(tmp_path):
    """/dev/stdout redirected to a file, /dev/fd/N: NumPy reopens the open file itself."""
    for who, write in (("tn", lambda p: tn.asarray(A).tofile(p)), ("np", A.tofile)):
        p = tmp_path / f"{who}.bin"
        with open(p, "wb+") as f:
            f.write(b"old contents, longer than nothing" * 10)
            f.flush()
            os.symlink(f"/proc/self/fd/{f.fileno()}", tmp_path / f"{who}_link")
            write(f"/proc/self/fd/{f.fileno()}")
            assert os.pread(f.fileno(), 10000, 0) == A.tobytes(), who
            write(str(tmp_path / f"{who}_link"))     # a symlink to the magic link
            assert os.pread(f.fileno(), 10000, 0) == A.tobytes(), who
        assert p.read_bytes() == A.tobytes()
    assert sorted(os.listdir(tmp_path)) == ["np.bin", "np_link", "tn.bin", "tn_link"]


# --- FIFOs and devices -----------------------------------------------------------------------
def _bytes_of(writer, a):
    """The bytes NumPy writes for ``a`` to a regular file (.gz aside: its header has a time)."""
    np_write = WRITERS[writer][2]
    buf = io.BytesIO()
    if writer in ("save", "savetxt"):
        np_write(buf, a)
        return buf.getvalue()
    return a.tobytes() if writer == "tofile" else ",".join(str(v) for v in a.ravel()).encode()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("writer", ["save", "savetxt", "tofile", "tofile_text"])
def test_fifo_is_written_not_replaced(tmp_path, writer):
    big = np.arange(40000.0)  # more than a pipe holds: the write must stream
    a = big if writer in ("save", "tofile") else A
    fifo = tmp_path / ("p" + WRITERS[writer][0])
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(rfd, True)
    keep = os.open(fifo, os.O_WRONLY)  # so the reader sees EOF only when the test says so
    chunks = []

    def reader():
        while c := os.read(rfd, 65536):
            chunks.append(c)
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        if writer == "save":
            tn.save(fifo, tn.asarray(a))
        elif writer == "savetxt":
            tn.savetxt(fifo, a)
        else:
            tn.asarray(a).tofile(fifo, sep="" if writer == "tofile" else ",")
    finally:
        os.close(keep)
        th.join(60)
        os.close(rfd)
    assert not th.is_alive()
    assert b"".join(chunks) == _bytes_of(writer, a)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(tmp_path) == [fifo.name]


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_dev_null_stays_a_device():
    before = os.stat("/dev/null")
    assert stat.S_ISCHR(before.st_mode)
    tn.asarray(A).tofile("/dev/null")
    tn.asarray(A).tofile("/dev/null", sep=" ")
    tn.savetxt("/dev/null", A)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev, after.st_mode) == (before.st_ino, before.st_rdev,
                                                            before.st_mode)


# --- read-only directories -------------------------------------------------------------------
def _in_read_only_dir(tmp_path, names, fn):
    """Run ``fn()`` in a directory holding ``names`` (writable by anyone) that ``fn`` may
    not write; root ignores permissions, so under root ``fn`` runs in a child without them."""
    d = tmp_path / "ro"
    d.mkdir()
    for name in names:
        (d / name).write_bytes(b"old")
        os.chmod(d / name, 0o666)
    d.chmod(0o555)
    cwd = os.getcwd()
    if os.geteuid() != 0:
        os.chdir(d)
        try:
            return fn()
        finally:
            os.chdir(cwd)
            d.chmod(0o755)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child)
        try:
            os.close(r)
            os.chdir(d)  # tmp_path's parents are 0700: reach the directory before giving up
            os.setgid(65534)
            os.setuid(65534)
            out = ("ok", fn())
        except BaseException as e:  # noqa: BLE001
            out = ("error", repr(e))
        with os.fdopen(w, "wb") as f:
            f.write(pickle.dumps(out))
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    d.chmod(0o755)
    status, out = pickle.loads(data)
    assert status == "ok", out
    return out


@pytest.mark.parametrize("writer", WRITERS)
def test_writable_file_in_a_read_only_directory(tmp_path, writer):
    suffix, tn_write, np_write, read = WRITERS[writer]

    def run():
        results = {}
        for who, write in (("tn", tn_write), ("np", np_write)):
            name = who + suffix
            write(name, A)
            new_file_error = None
            try:
                write("new_" + name, A)
            except PermissionError as e:
                new_file_error = (type(e).__name__, e.filename, "tmp" in str(e))
            results[who] = (read(name).tolist(), stat.S_IMODE(os.stat(name).st_mode),
                            new_file_error, sorted(os.listdir(".")))
        return results
    got = _in_read_only_dir(tmp_path, ["tn" + suffix, "np" + suffix], run)
    np.testing.assert_array_equal(np.reshape(got["tn"][0], A.shape), A)
    assert got["tn"][1] == got["np"][1] == 0o666
    assert got["tn"][2] == ("PermissionError", "new_tn" + suffix, False)
    assert got["np"][2] is not None
    assert got["tn"][3] == got["np"][3] == sorted(["tn" + suffix, "np" + suffix])


# --- errors and failures ---------------------------------------------------------------------
@pytest.mark.parametrize("writer", WRITERS)
def test_errors_name_the_target_path(tmp_path, writer):
    suffix, tn_write, np_write, _ = WRITERS[writer]
    for where in ("missing_dir/f" + suffix, "file_as_dir/f" + suffix):
        (tmp_path / "file_as_dir").touch()
        p = str(tmp_path / where)
        with pytest.raises(OSError) as want:
            np_write(p, A)
        with pytest.raises(OSError) as got:
            tn_write(p, A)
        assert type(got.value) is type(want.value)
        assert got.value.filename == p and p in str(got.value)
        assert ".tmp" not in str(got.value)
    (tmp_path / ("dir" + suffix)).mkdir()
    with pytest.raises(IsADirectoryError, match="dir"):
        tn_write(str(tmp_path / ("dir" + suffix)), A)
    assert sorted(os.listdir(tmp_path)) == ["dir" + suffix, "file_as_dir"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("writer", ["save", "savetxt", "tofile"])
def test_read_only_file_gives_numpys_outcome(tmp_path, writer):
    """A 0o444 file: NumPy gets PermissionError (root may write it anyway); trueno must do
    the same, naming the file, and not replace it through its writable directory."""
    suffix, tn_write, np_write, read = WRITERS[writer]
    outcome = {}
    for who, write in (("tn", tn_write), ("np", np_write)):
        p = tmp_path / (who + suffix)
        _old_file(writer, p)
        os.chmod(p, 0o444)
        try:
            write(str(p), A)
            outcome[who] = ("ok", read(str(p)).tolist())
        except PermissionError as e:
            assert e.filename == str(p)
            outcome[who] = ("PermissionError", read(str(p)).tolist())
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o444
    assert outcome["tn"] == outcome["np"]


class _Unpicklable:
    def __reduce__(self):
        raise pickle.PicklingError("refuses to be pickled")


def _failing_write(writer, p):
    """A write that fails after part of the data is out (NumPy leaves that part behind)."""
    from trueno._io import tofile  # ndarray.tofile's function: it takes NumPy arrays too

    bad = np.empty(3, dtype=object)
    bad[:] = [np.arange(20000.0), {"ok": 1}, _Unpicklable()]
    if writer == "save":
        tn.save(p, bad)
    elif writer in ("savez", "savez_compressed"):
        getattr(tn, writer)(p, a=np.arange(20000.0), b=bad)
    elif writer in ("savetxt", "savetxt_gz"):
        tn.savetxt(p, np.array([[1], [2], ["x"]], dtype=object), fmt="%d")
    elif writer == "tofile":
        tofile(bad, p)  # NumPy refuses object arrays in binary mode
    else:
        tofile(np.array([1, 2, "x"], dtype=object), p, sep=",", format="%d")


@pytest.mark.parametrize("target", ["new", "existing", "hard_link", "symlink"])
@pytest.mark.parametrize("writer", WRITERS)
def test_failed_write_leaves_the_target_and_no_temporary(tmp_path, writer, target):
    suffix = WRITERS[writer][0]
    p = tmp_path / ("f" + suffix)
    if target != "new":
        _old_file(writer, tmp_path / ("real" + suffix) if target == "symlink" else p)
    if target == "hard_link":
        os.link(p, tmp_path / ("other" + suffix))
    if target == "symlink":
        os.symlink("real" + suffix, p)
    before = {n: (tmp_path / n).read_bytes() for n in os.listdir(tmp_path)}
    modes = {n: os.lstat(tmp_path / n).st_mode for n in os.listdir(tmp_path)}
    with pytest.raises((ValueError, TypeError, OSError, pickle.PicklingError)):
        _failing_write(writer, str(p))
    after = {n: (tmp_path / n).read_bytes() for n in os.listdir(tmp_path)}
    assert after == before
    assert {n: os.lstat(tmp_path / n).st_mode for n in os.listdir(tmp_path)} == modes


# --- savetxt compression and the doctests ----------------------------------------------------
@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".lzma"])
def test_savetxt_compresses_as_numpy(tmp_path, suffix):
    t, n = tmp_path / ("t.txt" + suffix), tmp_path / ("n.txt" + suffix)
    tn.savetxt(t, A, header="h")
    np.savetxt(n, A, header="h")
    np.testing.assert_array_equal(np.loadtxt(t), np.loadtxt(n))
    tb, nb = t.read_bytes(), n.read_bytes()
    assert tb[:3] == nb[:3]
    if suffix == ".gz":  # the header names the file without .gz, never the temporary
        assert tb[10:tb.index(b"\0", 10)] == b"t.txt" and nb[10:nb.index(b"\0", 10)] == b"n.txt"
    else:
        assert tb == nb


@pytest.mark.parametrize("name", ["trueno._io_files", "trueno._io_text"])
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
