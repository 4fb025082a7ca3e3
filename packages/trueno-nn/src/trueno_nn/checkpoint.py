"""Training checkpoints: the model's, optimizer's, scheduler's and grad scaler's state, the
epoch and step, the random generators' states and user data, saved as a directory of
safetensors files (the tensors) and one JSON file (everything else).

A checkpoint ``ckpt/`` holds:

- ``model.safetensors``: the model's ``state_dict()`` under its own keys, a plain
  safetensors state dict that any safetensors reader opens;
- ``state.safetensors``: every other tensor (optimizer moments, step counts, user tensors);
- ``checkpoint.json``: the rest, with ``{"__tensor__": key}`` where a tensor was, and tags
  for what JSON lacks (tuples, non-string dict keys, inf/nan, NumPy scalars, bytes).

Saving writes a new directory next to ``ckpt`` and renames it into place; the previous
checkpoint is moved aside to ``ckpt.previous`` for the instant between the two renames and
removed after. A save that fails leaves the previous checkpoint as it was, and a process
killed between the renames leaves ``ckpt.previous``, which :func:`load_checkpoint` finds.
Loading reads JSON and safetensors only: nothing in a checkpoint is ever executed.
"""

from __future__ import annotations

import base64
import json
import math
import os
import random as _pyrandom
import secrets
import shutil
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

import trueno
import trueno.torch as torch
from trueno import FormatError, TruenoError
from trueno.backend import DType, as_dtype
from trueno.utils import safetensors as st

__all__ = ["save_checkpoint", "load_checkpoint", "CheckpointTypeError",
           "CheckpointExistsError", "CheckpointNotFoundError", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_JSON = "checkpoint.json"
_MODEL = "model.safetensors"
_STATE = "state.safetensors"
_TAGS = ("__tensor__", "__ndarray__", "__tuple__", "__dict__", "__float__", "__numpy__",
         "__bytes__", "__complex__", "__dtype__")
_SECTIONS = ("optimizer", "scheduler", "scaler", "extra")


class CheckpointTypeError(TruenoError, TypeError):
    """A value that a checkpoint cannot hold without executing code on load."""


class CheckpointExistsError(TruenoError, FileExistsError):
    """The target path exists and is not a checkpoint; it is never replaced."""


class CheckpointNotFoundError(TruenoError, FileNotFoundError):
    """No checkpoint at the path (and no ``.previous`` one left by an interrupted save)."""


# --- saving ----------------------------------------------------------------------------------
def save_checkpoint(path: str | os.PathLike, *, model=None, optimizer=None, scheduler=None,
                    scaler=None, epoch: int | None = None, step: int | None = None,
                    extra: Any = None, rng: bool = True) -> None:
    """Save a training checkpoint into the directory ``path``, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint directory (missing parent directories are made). An existing
        checkpoint there is replaced (through a symlink, its target); any other existing
        file or directory raises :class:`CheckpointExistsError`.
    model, optimizer, scheduler, scaler : objects with ``state_dict()``, optional
        A ``trueno.nn.Module``, ``trueno.optim.Optimizer``, LR scheduler, ``GradScaler``.
    epoch, step : int, optional
        Where training is.
    extra : JSON-like, optional
        User data: dicts, lists, tuples, numbers, strings, None, tensors and NumPy arrays.
    rng : bool
        Save the states of ``trueno.torch``'s global generator (the DataLoader's shuffling
        and dropout), ``trueno.random``'s global generator and Python's ``random``.

    Examples
    --------
    >>> import tempfile, os, trueno.torch as torch
    >>> net = torch.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt")
    >>> save_checkpoint(path, model=net, epoch=3)
    >>> load_checkpoint(path, model=torch.nn.Linear(2, 1))["epoch"]
    3
    """
    path = os.fspath(path)
    name = os.fsdecode(path)
    # a symlink (``latest -> epoch_5``) is followed: its target is replaced, the link stays
    target = os.path.realpath(name) if os.path.islink(name) else name
    _check_target(name, target)
    tensors: dict[str, dict[str, Any]] = {_MODEL: {}, _STATE: {}}
    doc: dict[str, Any] = {"format": "trueno.checkpoint", "version": FORMAT_VERSION,
                           "epoch": _plain_int(epoch, "epoch"), "step": _plain_int(step, "step")}
    if model is not None:
        sd = _state_dict(model, "model")
        keys = []
        for k, v in sd.items():
            if not isinstance(v, trueno.Tensor):
                raise CheckpointTypeError(f"save_checkpoint(model=): state_dict()[{k!r}] is a "
                                          f"{type(v).__name__}, not a tensor\n  hint: keep "
                                          f"non-tensor module state in extra=")
            tensors[_MODEL][str(k)] = v
            keys.append(str(k))
        doc["model"] = {"file": _MODEL, "keys": keys}
    enc = _Encoder(tensors[_STATE])
    for section, obj in (("optimizer", optimizer), ("scheduler", scheduler),
                         ("scaler", scaler)):
        if obj is not None:
            doc[section] = enc.encode(_state_dict(obj, section), section)
    if extra is not None:
        doc["extra"] = enc.encode(extra, "extra")
    if rng:
        doc["rng"] = _rng_state()
    text = json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False)
    _write_dir(target, text, tensors)


def _plain_int(v, what: str):
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise CheckpointTypeError(f"save_checkpoint({what}={v!r}): expected an int or None")
    return int(v)


def _state_dict(obj, what: str) -> Mapping:
    fn = getattr(obj, "state_dict", None)
    if not callable(fn):
        raise CheckpointTypeError(f"save_checkpoint({what}=): a {type(obj).__name__} has no "
                                  f"state_dict()\n  hint: pass the {what} object itself")
    return fn()


class _Encoder:
    """Python values -> JSON values; tensors go to ``tensors`` under path-like keys."""

    def __init__(self, tensors: dict[str, Any]) -> None:
        self.tensors = tensors

    def _key(self, where: str) -> str:
        key, n = where, 1
        while key in self.tensors:
            n += 1
            key = f"{where}#{n}"
        return key

    def encode(self, v, where: str):
        if v is None or isinstance(v, (bool, str)):
            return v
        if type(v) is int or (type(v) is float and math.isfinite(v)):
            return v
        if type(v) is float:
            return {"__float__": repr(v)}
        if isinstance(v, trueno.Tensor):
            key = self._key(where)
            self.tensors[key] = v
            face = "torch" if isinstance(v, torch.Tensor) else "numpy"
            return {"__tensor__": key, "face": face}
        if isinstance(v, np.ndarray):
            key = self._key(where)
            self.tensors[key] = v
            return {"__ndarray__": key}
        if isinstance(v, np.generic):
            if v.dtype.kind not in "biufc":
                raise self._bad(v, where)
            return {"__numpy__": [v.dtype.name, self.encode(v.item(), where)]}
        if isinstance(v, complex):
            return {"__complex__": [self.encode(v.real, where), self.encode(v.imag, where)]}
        if isinstance(v, (bytes, bytearray)):
            return {"__bytes__": base64.b64encode(bytes(v)).decode("ascii")}
        if isinstance(v, DType):
            return {"__dtype__": ["torch" if str(v).startswith("torch.") else "numpy", v.name]}
        if isinstance(v, list):
            return [self.encode(x, f"{where}.{i}") for i, x in enumerate(v)]
        if isinstance(v, tuple) and type(v) is tuple:
            return {"__tuple__": [self.encode(x, f"{where}.{i}") for i, x in enumerate(v)]}
        if isinstance(v, Mapping):
            if all(isinstance(k, str) for k in v) and not any(k in _TAGS for k in v):
                return {k: self.encode(x, f"{where}.{k}") for k, x in v.items()}
            return {"__dict__": [[self.encode(k, f"{where}.key"), self.encode(x, f"{where}.{k}")]
                                 for k, x in v.items()]}
        raise self._bad(v, where)

    @staticmethod
    def _bad(v, where: str) -> CheckpointTypeError:
        return CheckpointTypeError(
            f"save_checkpoint: {where} is a {type(v).__name__} ({str(v)[:60]}); a checkpoint "
            f"holds tensors, arrays, numbers, strings, None, bytes, lists, tuples and dicts, "
            f"so that loading never executes code\n  hint: store what rebuilds it (its "
            f"arguments) in extra=, or drop it from the state dict")


def _rng_state() -> dict[str, Any]:
    t = np.asarray(torch.get_rng_state()).astype(np.uint8)
    kind, keys, pos, has_gauss, gauss = trueno.random.get_state()
    py = _pyrandom.getstate()
    return {
        "trueno.torch": base64.b64encode(t.tobytes()).decode("ascii"),
        "trueno.random": {"bit_generator": str(kind),
                          "keys": base64.b64encode(np.asarray(keys, "<u4").tobytes()).decode(),
                          "pos": int(pos), "has_gauss": int(has_gauss),
                          "cached_gaussian": float(gauss)},
        "python": [py[0], list(py[1]), py[2]],
    }


def _check_target(name: str, target: str) -> None:
    if os.path.lexists(target) and not _is_checkpoint(target):
        raise CheckpointExistsError(
            f"save_checkpoint({name!r}): the path exists and is not a trueno checkpoint "
            f"directory (no {_JSON}); it is never replaced\n  hint: choose a new path, such "
            f"as {os.path.join(name, 'ckpt')!r}")


def _is_checkpoint(name: str) -> bool:
    return os.path.isdir(name) and os.path.isfile(os.path.join(name, _JSON))


def _write_dir(name: str, text: str, tensors: dict[str, dict[str, Any]]) -> None:
    parent = os.path.dirname(os.path.abspath(name))
    base = os.path.basename(os.path.abspath(name))
    tmp = os.path.join(parent, f".{base[:100]}.{secrets.token_hex(4)}.tmp")
    previous = os.path.abspath(name) + ".previous"
    os.makedirs(parent, exist_ok=True)
    os.mkdir(tmp)
    try:
        for fname, ts in tensors.items():
            st.save_file(ts, os.path.join(tmp, fname), metadata={"format": "pt"})
        with open(os.path.join(tmp, _JSON), "w", encoding="utf-8") as f:
            f.write(text)
        if _is_checkpoint(previous):
            if _is_checkpoint(name):  # a leftover of a save killed after its renames
                shutil.rmtree(previous)
            # else: the previous save was killed between its renames: ``previous`` is the
            # newest complete checkpoint and stays until the new one is in place
        moved = False
        if _is_checkpoint(name):
            os.rename(name, previous)
            moved = True
        try:
            os.rename(tmp, name)
        except BaseException:
            if moved:
                os.rename(previous, name)
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(previous, ignore_errors=True)


# --- loading ---------------------------------------------------------------------------------
def load_checkpoint(path: str | os.PathLike, *, model=None, optimizer=None, scheduler=None,
                    scaler=None, strict: bool = True, restore_rng: bool = True,
                    map_location: str | None = None) -> dict:
    """Load a checkpoint made by :func:`save_checkpoint` into the given objects.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint directory.
    model, optimizer, scheduler, scaler : optional
        Objects whose ``load_state_dict`` receives the saved state; each must have been
        saved (else ``trueno.FormatError``).
    strict : bool
        Passed to ``model.load_state_dict``.
    restore_rng : bool
        Restore the saved generator states (see :func:`save_checkpoint`), so that the
        DataLoader's next epoch shuffles as the uninterrupted run would have.
    map_location : str, optional
        The device of the returned model tensors. By default each goes to the device of the
        ``model`` entry of the same name (CPU without a model); the optimizer moves its
        state to its parameters' devices itself.

    Returns
    -------
    dict
        ``epoch``, ``step``, ``extra``, the raw ``model``/``optimizer``/``scheduler``/
        ``scaler`` state dicts (None where not saved) and, with a ``model``,
        ``incompatible_keys`` (its ``load_state_dict``'s missing and unexpected keys).
    """
    name = _found(os.fsdecode(os.fspath(path)))
    where = f"load_checkpoint({name!r})"
    doc = _read_json(os.path.join(name, _JSON), where)
    state_file = os.path.join(name, _STATE)
    tensors = _read_tensors(state_file, where)
    dec = _Decoder(tensors, where)
    out: dict[str, Any] = {"epoch": doc.get("epoch"), "step": doc.get("step")}
    out["model"] = None
    if doc.get("model") is not None:
        m = _read_tensors(os.path.join(name, _MODEL), where, "pt")
        keys = doc["model"].get("keys") if isinstance(doc["model"], dict) else None
        if not isinstance(keys, list) or sorted(keys) != sorted(m):
            raise FormatError(f"{where}: {_MODEL} does not hold the keys {_JSON} lists\n  "
                              f"hint: the checkpoint is corrupt; use an earlier one")
        out["model"] = {k: m[k] for k in keys}
        if map_location is not None:
            out["model"] = {k: v.to(map_location) for k, v in out["model"].items()}
        elif model is not None:
            own = model.state_dict()
            out["model"] = {k: v.to(own[k].device) if k in own else v
                            for k, v in out["model"].items()}
    for section in _SECTIONS:
        out[section] = dec.decode(doc[section], section) if section in doc else None
    for section, obj in (("model", model), ("optimizer", optimizer),
                         ("scheduler", scheduler), ("scaler", scaler)):
        if obj is None:
            continue
        if out[section] is None:
            raise FormatError(f"{where}: the checkpoint has no {section} state, but "
                              f"{section}= was given\n  hint: save it with "
                              f"save_checkpoint(..., {section}=...)")
        if section == "model":
            out["incompatible_keys"] = obj.load_state_dict(out["model"], strict=strict)
        else:
            obj.load_state_dict(out[section])
    if restore_rng and doc.get("rng") is not None:
        _restore_rng(doc["rng"], where)
    return out


def _found(name: str) -> str:
    if _is_checkpoint(name):
        return name
    previous = os.path.abspath(name) + ".previous"
    if not os.path.lexists(name) and _is_checkpoint(previous):
        warnings.warn(f"load_checkpoint({name!r}): a save was interrupted; loading the "
                      f"previous checkpoint from {previous!r}", RuntimeWarning, stacklevel=3)
        return previous
    if os.path.isdir(name):
        raise FormatError(f"load_checkpoint({name!r}): the directory has no {_JSON}\n  "
                          f"hint: it is not a checkpoint saved by save_checkpoint")
    raise CheckpointNotFoundError(2, f"no checkpoint directory (hint: save_checkpoint("
                                     f"{name!r}, ...) makes one)", name)


def _read_json(file: str, where: str) -> dict:
    try:
        with open(file, encoding="utf-8") as f:
            doc = json.load(f, parse_constant=_no_constant)
    except FileNotFoundError:
        raise FormatError(f"{where}: {_JSON} is missing\n  hint: the checkpoint is "
                          f"incomplete; use an earlier one") from None
    except (ValueError, RecursionError) as e:
        raise FormatError(f"{where}: {_JSON} is not valid JSON ({e})\n  hint: the "
                          f"checkpoint is corrupt; use an earlier one") from None
    if not isinstance(doc, dict) or doc.get("format") != "trueno.checkpoint":
        raise FormatError(f"{where}: {_JSON} is not a trueno checkpoint description\n  hint: "
                          f"load files of other programs with trueno.utils.safetensors")
    if doc.get("version") != FORMAT_VERSION:
        raise FormatError(f"{where}: checkpoint format version {doc.get('version')!r}; this "
                          f"trueno reads version {FORMAT_VERSION}\n  hint: load it with the "
                          f"trueno that saved it")
    return doc


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _read_tensors(file: str, where: str, framework: str = "np") -> dict:
    try:
        with st.safe_open(file, framework=framework) as f:
            return {k: f.get_tensor(k) for k in f.keys()}
    except FileNotFoundError:
        raise FormatError(f"{where}: {os.path.basename(file)} is missing\n  hint: the "
                          f"checkpoint is incomplete; use an earlier one") from None


class _Decoder:
    """JSON values -> Python values; only the tags :class:`_Encoder` writes are read."""

    def __init__(self, tensors: dict, where: str) -> None:
        self.tensors = tensors
        self.where = where

    def _bad(self, at: str, what: str) -> FormatError:
        return FormatError(f"{self.where}: {_JSON} at {at}: {what}\n  hint: the checkpoint "
                           f"is corrupt or was edited; use an earlier one")

    def decode(self, v, at: str):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.decode(x, f"{at}.{i}") for i, x in enumerate(v)]
        if not isinstance(v, dict):
            raise self._bad(at, f"unexpected {type(v).__name__}")
        tag = next((k for k in v if k in _TAGS), None)
        if tag is None:
            return {k: self.decode(x, f"{at}.{k}") for k, x in v.items()}
        arg = v[tag]
        try:
            return self._tagged(tag, arg, v, at)
        except FormatError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, OverflowError) as e:
            raise self._bad(at, f"bad {tag} value ({e})") from None

    def _tagged(self, tag: str, arg, v: dict, at: str):
        if tag in ("__tensor__", "__ndarray__"):
            if arg not in self.tensors:
                raise self._bad(at, f"tensor {arg!r} is not in {_STATE}")
            t = self.tensors[arg]
            if tag == "__ndarray__":
                return np.array(np.asarray(t))
            return torch.as_tensor(t) if v.get("face") == "torch" else t
        if tag == "__tuple__":
            return tuple(self.decode(x, f"{at}.{i}") for i, x in enumerate(arg))
        if tag == "__dict__":
            return {_hashable(self.decode(k, f"{at}.key")): self.decode(x, f"{at}.value")
                    for k, x in arg}
        if tag == "__float__":
            if arg not in ("nan", "inf", "-inf"):
                raise ValueError(f"{arg!r} is not nan/inf/-inf")
            return float(arg)
        if tag == "__numpy__":
            dtype, value = arg
            dt = np.dtype(dtype)
            if dt.kind not in "biufc":
                raise ValueError(f"{dtype!r} is not a numeric dtype")
            return dt.type(self.decode(value, at))
        if tag == "__complex__":
            re, im = (self.decode(x, at) for x in arg)
            return complex(float(re), float(im))
        if tag == "__bytes__":
            return base64.b64decode(arg.encode("ascii"), validate=True)
        # "__dtype__"
        face, dname = arg
        dt = as_dtype(dname)  # a known dtype name, or a DTypeError (a TypeError)
        return getattr(torch, dt.name) if face == "torch" else dt


def _hashable(k):
    if isinstance(k, list):
        raise TypeError("a dict key cannot be a list")
    return k


def _restore_rng(state, where: str) -> None:
    try:
        raw = base64.b64decode(state["trueno.torch"], validate=True)
        tr = state["trueno.random"]
        keys = np.frombuffer(base64.b64decode(tr["keys"], validate=True), "<u4")
        py = state["python"]
        py_state = (int(py[0]), tuple(int(x) for x in py[1]),
                    None if py[2] is None else float(py[2]))
    except (KeyError, TypeError, ValueError, IndexError) as e:
        raise FormatError(f"{where}: {_JSON}: the saved RNG state is malformed ({e})\n  "
                          f"hint: load_checkpoint(..., restore_rng=False) skips it") from None
    try:
        torch.set_rng_state(torch.tensor(np.frombuffer(raw, np.uint8).copy()))
        trueno.random.set_state((str(tr["bit_generator"]), keys.astype(np.uint32),
                                 int(tr["pos"]), int(tr["has_gauss"]),
                                 float(tr["cached_gaussian"])))
        _pyrandom.setstate(py_state)
    except (TypeError, ValueError, TruenoError) as e:
        raise FormatError(f"{where}: {_JSON}: the saved RNG state does not restore ({e})\n"
                          f"  hint: load_checkpoint(..., restore_rng=False) skips it") from None
