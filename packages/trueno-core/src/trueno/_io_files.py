"""Where the file formats meet the file system: how a file is named in messages, the arrays
that go into a file and come out of one, and :func:`writing`, the one way every writer of
``trueno._io`` opens a path.

``writing`` keeps NumPy's behaviour (``open(path, "wb")``) for everything a user can see of a
file (its mode and owner, its symlinks and hard links, FIFOs and devices, a writable file in a
read-only directory, errors that name the user's path) and adds one guarantee for regular
files: a save that fails leaves the old contents (or no file) and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import io
import os
import secrets
import stat
import tempfile

import numpy as np

from . import _dtypes as D
from ._creation import _place, default_class
from ._errors import DTypeError
from ._tensor import Tensor

__all__ = ["display_name", "host", "wrap", "with_suffix", "writing", "is_path", "is_stream"]

_COPY_CHUNK = 1 << 20
_MAX_SYMLINKS = 40
_OPEN_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


# --- names and arrays ------------------------------------------------------------------------
def is_path(file) -> bool:
    """True for a path (str, bytes or ``os.PathLike``), False for a file object."""
    return isinstance(file, (str, bytes, os.PathLike))


def is_stream(f) -> bool:
    """True for what :func:`writing` yields for a FIFO or other stream that cannot seek: it
    has no descriptor, so ``ndarray.tofile`` cannot write it."""
    return isinstance(f, _Stream)


def display_name(file) -> str:
    """How a file is named in error messages: its path, or a file object's ``name``."""
    if is_path(file):
        return repr(os.fspath(file))
    return repr(getattr(file, "name", None) or f"<{type(file).__name__}>")


def with_suffix(file, suffix: str):
    """``file`` with ``suffix`` appended to a path that lacks it (as ``numpy.save`` does)."""
    if is_path(file):
        p = os.fsdecode(os.fspath(file))
        return p if p.endswith(suffix) else p + suffix
    return file


def host(arr, name: str = "save") -> np.ndarray:
    """The NumPy array to write for a trueno array, NumPy array or array-like."""
    if isinstance(arr, Tensor):
        if arr._dtype is D.bfloat16:
            raise DTypeError(f"{name}: bfloat16 has no .npy/text dtype\n  hint: "
                             f"x.astype(trueno.float32), or a safetensors checkpoint")
        return np.asarray(arr._host())
    return np.asanyarray(arr)


def wrap(arr: np.ndarray):
    """A trueno array of the data read (numbers in the native byte order; strings, records,
    objects and datetime64/timedelta64 as NumPy dtypes on the CPU), as ``numpy.load``."""
    kind = arr.dtype.kind
    if kind in "biufc" and arr.dtype.fields is None:
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        if arr.dtype in D.BY_NUMPY:
            return _place(default_class(), arr, None)
    elif kind in "OUSMmV":  # kept as read (its byte order too: saved back byte for byte)
        return _place(default_class(), arr, None)
    return arr


# --- writing a path --------------------------------------------------------------------------
@contextlib.contextmanager
def writing(file):
    """Open the path ``file`` for writing its new contents; yields a binary file object.

    What happens depends on what ``file`` is, so that the result is what
    ``open(file, "wb")`` (NumPy) gives, without its partial files:

    - a new file, or a regular file with one link in a writable directory: the data go to a
      temporary file next to the real file (symlinks are followed), created with the mode
      ``open`` would give (0o666 less the umask) or with the old file's mode and owner,
      flushed to disk, then renamed over it; a failure removes the temporary and leaves the
      old file as it was;
    - a regular file that cannot be replaced (it has other hard links, its directory is not
      writable, its owner cannot be kept, or it is reached through ``/proc/<pid>/fd``): the
      data are staged in an anonymous temporary file, then copied into the file in place, so
      every link sees them; a failure before the copy leaves the file as it was;
    - anything else (a FIFO, a character or block device, a socket, a directory): opened and
      written directly, as NumPy does.

    An ``OSError`` about the file names ``file``, never a temporary.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> os.symlink("data.bin", os.path.join(d, "link.bin"))
    >>> with writing(os.path.join(d, "link.bin")) as f:
    ...     _ = f.write(b"new")
    >>> sorted(os.listdir(d)), os.path.islink(os.path.join(d, "link.bin"))
    (['data.bin', 'link.bin'], True)
    >>> open(os.path.join(d, "data.bin"), "rb").read()
    b'new'
    """
    path = os.fsdecode(os.fspath(file))
    try:
        target = _open_target(path)
    except OSError as e:
        new = _renamed(e, path, None)
        if new is e:
            raise
        raise new from None
    try:
        yield target.file
        target.commit()
    except BaseException as e:
        target.abort()
        new = _renamed(e, path, target.names) if isinstance(e, OSError) else e
        if new is e:
            raise
        raise new from None


def _renamed(e: OSError, path: str, names) -> OSError:
    """``e`` about ``path`` instead of a temporary file; with ``names`` (the files the
    target uses), an error about another file (raised by a writer) is left as it is."""
    if e.errno is None or type(e).__module__ != "builtins":
        return e
    if names is not None and e.filename not in (None, path, *names):
        return e
    return OSError(e.errno, e.strerror, path)  # the built-in subclass for errno, as open()


def _open_target(path: str):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        return _Direct(path)
    final = _final_target(path)
    if st is None:
        return _Replace(path if final is None else final, None)
    # NumPy opens an existing file for writing; doing the same first gives its errors (a
    # read-only file, a read-only file system) and the descriptor for an in-place write.
    fd = os.open(path, os.O_WRONLY | _OPEN_FLAGS)
    try:
        fst = os.fstat(fd)
        same = final is not None and _same_file(final, fst)
        if fst.st_nlink == 1 and same:
            try:
                target = _Replace(final, fst)
            except OSError:  # no temp in that directory, or the owner could not be kept
                pass
            else:
                os.close(fd)
                return target
        return _InPlace(fd, final if same else path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _final_target(path: str) -> str | None:
    """The path that the symlinks ending ``path`` lead to, or None through a ``/proc``
    magic link (``/dev/stdout``, ``/dev/fd/3``: what it names is an open file, not a path).
    Only the last component is resolved (directories are left to the kernel, so
    ``/proc/self/fd/3/x`` keeps working); a dangling link gives the file it names, which
    ``open`` would create."""
    for _ in range(_MAX_SYMLINKS):
        try:
            link = os.readlink(path)
        except OSError:  # not a symlink, or not there
            return path
        if _procfs_dev() is not None and os.lstat(path).st_dev == _procfs_dev():
            return None
        path = os.path.join(os.path.dirname(path), link)  # NOTE: no normpath: "d/.." is
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)  # the kernel's to resolve


@functools.cache
def _procfs_dev() -> int | None:
    try:
        return os.stat("/proc/self").st_dev
    except OSError:
        return None


def _same_file(path: str, st: os.stat_result) -> bool:
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)


class _Direct:
    """A FIFO, device or other non-regular file: written as ``open(path, "wb")`` does. A
    stream that cannot seek is handed out without its descriptor, so that NumPy writes it
    in chunks (``ndarray.tofile`` on it fails asking for the position: see ``_io_text``)."""

    def __init__(self, path: str) -> None:
        self.names = ()
        self.raw = open(path, "wb")  # noqa: SIM115  (closed by commit/abort)
        self.file = self.raw if self.raw.seekable() else _Stream(self.raw)

    def commit(self) -> None:
        self.raw.close()

    def abort(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.raw.close()


class _Stream(io.BufferedIOBase):
    """A write-only view of a pipe-like file without ``fileno``/``tell``."""

    def __init__(self, raw) -> None:
        super().__init__()
        self._raw = raw
        self.name = raw.name

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        return self._raw.write(b)

    def flush(self) -> None:
        self._raw.flush()


class _Replace:
    """A temporary file next to ``final``, renamed over it on success."""

    def __init__(self, final: str, old: os.stat_result | None) -> None:
        self.final = final
        self.dir = os.path.dirname(final) or os.curdir
        base = os.path.basename(final)[:100]
        # O_EXCL with 0o666 lets the kernel apply the umask (and a default ACL) to a new file
        # exactly as open() would; mkstemp would give 0o600.
        mode = 0o666 if old is None else 0o600
        for _ in range(100):
            tmp = os.path.join(self.dir, f".{base}.{secrets.token_hex(4)}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, mode)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(errno.EEXIST, "no unused temporary file name", final)
        self.tmp = tmp
        self.names = (tmp, final)
        try:
            if old is not None:
                mine = os.fstat(fd)
                if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid) and \
                        hasattr(os, "fchown"):
                    os.fchown(fd, old.st_uid, old.st_gid)  # PermissionError: write in place
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, stat.S_IMODE(old.st_mode))
                else:  # Windows before Python 3.13: only the read-only bit exists
                    os.chmod(tmp, stat.S_IMODE(old.st_mode))
            self.file = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise

    def commit(self) -> None:
        # NOTE: no fsync. The rename makes the save all-or-nothing for an exception, a killed
        # process or a full disk; durability against power loss is the file system's (ext4
        # flushes a file renamed over another), as for NumPy. An fsync made a 200 MB save 6x
        # slower than np.save.
        self.file.close()
        os.replace(self.tmp, self.final)
        self.tmp = None

    def abort(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.file.close()
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)


class _InPlace:
    """Staged in an anonymous temporary file, then copied into the open target ``fd``."""

    def __init__(self, fd: int, final: str) -> None:
        self.fd = fd
        self.names = (final,)
        try:  # same file system when it can be, so the staged copy fits where the file does
            self.file = tempfile.TemporaryFile(dir=os.path.dirname(final) or None)
        except OSError:
            self.file = tempfile.TemporaryFile()

    def commit(self) -> None:
        src = self.file
        src.flush()
        src.seek(0)
        buf = memoryview(bytearray(_COPY_CHUNK))
        size = 0
        while n := src.readinto(buf):
            done = 0
            while done < n:
                done += os.write(self.fd, buf[done:n])
            size += n
        os.ftruncate(self.fd, size)
        self._close()

    def abort(self) -> None:
        self._close()

    def _close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.file.close()
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
