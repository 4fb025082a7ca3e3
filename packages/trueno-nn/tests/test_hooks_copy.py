"""Hook handles copied or pickled with their module point at the copy's hook dicts, as
PyTorch's ``RemovableHandle`` (``__getstate__``/``__setstate__``)."""

from __future__ import annotations

import copy
import gc
import pickle

import pytest
import torch as T

import trueno.nn as nn


def _hook(module, args):
    return None


def _with_handle(m):
    lin = m.Linear(2, 2)
    lin.handle = lin.register_forward_pre_hook(_hook)
    return lin


def _roundtrip(how, obj):
    return copy.deepcopy(obj) if how == "deepcopy" else pickle.loads(pickle.dumps(obj))


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copied_modules_handle_removes_the_copys_hook(how):
    res = []
    for m in (T.nn, nn):
        a = _with_handle(m)
        c = _roundtrip(how, a)
        c.handle.remove()
        res.append((len(a._forward_pre_hooks), len(c._forward_pre_hooks)))
        a.handle.remove()
        res.append((len(a._forward_pre_hooks), len(c._forward_pre_hooks)))
    assert res[:2] == res[2:] == [(1, 0), (0, 0)]


def test_handle_copied_alone_points_at_a_copy_of_the_dict():
    res = []
    for m in (T.nn, nn):
        a = _with_handle(m)
        h = copy.deepcopy(a.handle)
        h.remove()
        res.append(len(a._forward_pre_hooks))
    assert res == [1, 1]


def test_new_handles_after_loading_do_not_reuse_loaded_ids():
    a = _with_handle(nn)
    blob = pickle.dumps(a)
    # a loaded handle's id can be above every id handed out so far (another process)
    a2 = _with_handle(nn)
    big = a2.handle.id + 1000
    a2._forward_pre_hooks[big] = a2._forward_pre_hooks.pop(a2.handle.id)
    a2.handle.id = big
    c = pickle.loads(pickle.dumps(a2))
    h = c.register_forward_pre_hook(lambda mod, args: None)
    assert h.id > big and len(c._forward_pre_hooks) == 2
    c.handle.remove()
    assert list(c._forward_pre_hooks) == [h.id]
    assert len(pickle.loads(blob)._forward_pre_hooks) == 1


def test_copy_of_a_handle_whose_dicts_are_gone_removes_nothing():
    lin = nn.Linear(2, 2)
    h = lin.register_forward_hook(lambda mod, args, out: None)
    del lin
    gc.collect()
    c = copy.deepcopy(h)
    c.remove()  # no error, as PyTorch's dead reference
    assert all(ref() is None for ref in c._dicts)
