"""Every NumPy dtype on the CPU (issue 14): strings (<U, S), object, datetime64/timedelta64,
structured and record arrays, compared with NumPy value by value, dtype by dtype, repr by
repr and exception class by exception class."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import trueno as tn
from trueno._host_dtypes import HOST_CODE, HostDType, HostOnlyError

STRUCT = [("x", "i8"), ("y", "f8")]


def run(code: str, mod):
    """``out`` of ``code`` run with ``np = mod`` (or the exception it raised)."""
    ns = {"np": mod}
    try:
        exec(code, ns)
    except Exception as e:  # noqa: BLE001  (the exception class is compared)
        return e
    return ns["out"]


def same(got, want) -> None:
    if isinstance(want, BaseException):
        assert isinstance(got, BaseException), f"NumPy raised {want!r}, trueno gave {got!r}"
        builtin = [c for c in type(want).__mro__ if c.__module__ == "builtins"]
        assert all(isinstance(got, c) for c in builtin), (got, want)
        assert isinstance(got, tn.TruenoError) or type(got) is type(want), got
        return
    if isinstance(got, BaseException):
        raise got
    if isinstance(want, np.ndarray):
        assert isinstance(got, tn.ndarray), type(got)
        assert got.dtype == want.dtype and str(got.dtype) == str(want.dtype)
        assert got.shape == want.shape
        assert repr(got) == repr(want)
        g = got.numpy()
        if want.dtype.kind == "O":
            assert g.tolist() == want.tolist()
        else:
            np.testing.assert_array_equal(g, want, strict=True)
    elif isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
    else:
        assert type(got) is type(want), (got, want)
        assert repr(got) == repr(want)


CASES = {
    # creation, dtype, repr
    "strings": "out = np.array(['a', 'bb', 'ccc'])",
    "bytes": "out = np.array([b'a', b'bc'])",
    "str_dtype_given": "out = np.array(['abc', 'd'], dtype='U2')",
    "object": "out = np.array([1, 'a', None], dtype=object)",
    "object_ragged": "out = np.array([[1, 2], [3]], dtype=object)",
    "big_int_object": "out = np.array([2 ** 70])",
    "datetime": "out = np.array(['2020-01-01', '2020-03-01'], dtype='datetime64[D]')",
    "datetime_parse": "out = np.array(['2020-01-01T10:00']).astype('datetime64[m]')",
    "timedelta": "out = np.array([1, 2], dtype='timedelta64[h]')",
    "structured": f"out = np.array([(1, 2.0), (3, 4.0)], dtype={STRUCT})",
    "zeros_str": "out = np.zeros(3, dtype='U4')",
    "ones_object": "out = np.ones(2, dtype=object)",
    "zeros_structured": "out = np.zeros(2, dtype=[('a', 'i4'), ('s', 'U3')])",
    "full_str": "out = np.full((2, 2), 'xy')",
    "empty_datetime_shape": "out = np.empty(3, dtype='datetime64[s]').shape",
    "arange_datetime": "out = np.arange('2020-01-30', '2020-02-02', dtype='datetime64[D]')",
    "arange_months": "out = np.arange('2020-01', '2020-04', dtype='datetime64[M]')",
    "fromiter": "out = np.fromiter(['a', 'bb'], dtype='U2')",
    "str_of_dtype": "out = (str(np.array(['ab']).dtype), np.array(['ab']).dtype.kind)",
    "dtype_name": "out = (np.array(['ab']).dtype.name, np.dtype('M8[D]').name)",
    "print_str": "out = str(np.array(['a', 'bb']))",
    "print_datetime": "out = str(np.array(['2020-01-01', 'NaT'], 'M8[D]'))",
    "repr_object": "out = repr(np.array([{'a': 1}, None], dtype=object))",
    # indexing, views, assignment
    "item_str": "out = np.array(['x', 'yy'])[1]",
    "item_bytes": "out = np.array([b'x', b'yy'])[0]",
    "item_object": "out = np.array([1, 'a', None], dtype=object)[1]",
    "item_object_list": "out = np.array([[1, 2], None], dtype=object)[0]",
    "item_datetime": "out = np.array(['2020-01-01'], 'M8[D]')[0]",
    "slice_reverse": "out = np.array(['x', 'y', 'z'])[::-1]",
    "fancy": "out = np.array(['x', 'y', 'z'])[np.array([2, 0, 2])]",
    "mask": "out = np.array(['x', 'y', 'z'])[np.array([True, False, True])]",
    "setitem": "a = np.array(['x', 'y']); a[1] = 'longer'; out = a",
    "setitem_fancy": "a = np.array(['x', 'y', 'z']); a[np.array([0, 2])] = 'q'; out = a",
    "view_writes_base": "a = np.array(['x', 'y', 'z']); b = a[1:]; b[0] = 'q'; out = a",
    "iterate": "out = [s for s in np.array(['a', 'b'])]",
    "tolist_datetime": "out = np.array(['2020-01-01'], 'M8[D]').tolist()",
    "tolist_struct": f"out = np.array([(1, 2.0)], dtype={STRUCT}).tolist()",
    "item_method": "out = np.array(['a', 'b']).item(1)",
    # shape ops
    "reshape_T": "out = np.array(['a', 'b', 'c', 'd']).reshape(2, 2).T",
    "concatenate": "out = np.concatenate([np.array(['a']), np.array(['bbb'])])",
    "stack": "out = np.stack([np.array(['a', 'b']), np.array(['c', 'd'])])",
    "where": "out = np.where(np.array([True, False]), np.array(['a', 'b']), "
             "np.array(['cc', 'dd']))",
    "take": "out = np.take(np.array(['x', 'y', 'z']), [0, 2])",
    "flip": "out = np.flip(np.array(['x', 'y', 'z']))",
    "ravel_copy": "out = np.array([['a'], ['b']]).ravel().copy()",
    "broadcast": "out = np.broadcast_to(np.array(['a']), (3,))",
    "expand_dims": "out = np.expand_dims(np.array(['a', 'b']), 0)",
    # comparisons, sorting, set ops
    "eq_scalar": "out = np.array(['a', 'b']) == 'b'",
    "lt_scalar": "out = np.array(['a', 'c']) < 'b'",
    "eq_int_unequal": "out = np.array(['1', '2']) == 1",
    "ne_none": "out = np.array(['a', 'b']) != None",
    "num_eq_none": "out = np.array([1.0, 2.0]) == None",
    "sort": "out = np.sort(np.array(['pear', 'apple', 'fig']))",
    "argsort": "out = np.argsort(np.array(['b', 'a', 'c']))",
    "sort_method": "a = np.array(['b', 'a']); a.sort(); out = a",
    "unique": "out = np.unique(np.array(['b', 'a', 'b']), return_counts=True)",
    "searchsorted": "out = np.searchsorted(np.array(['a', 'c', 'e']), 'd')",
    "argmax_str": "out = np.array(['b', 'a', 'c']).argmax()",
    "in": "out = 'a' in np.array(['a', 'b'])",
    "sort_struct_order": f"out = np.sort(np.array([(3, 1.0), (1, 2.0)], dtype={STRUCT}), "
                         f"order='x')",
    # astype
    "int_to_str": "out = np.array([1, 2, 3]).astype(str)",
    "float_to_U": "out = np.array([1.5, 2.0]).astype('U')",
    "str_to_float": "out = np.array(['1.5', '2']).astype(float)",
    "bad_str_to_float": "out = np.array(['a']).astype(float)",
    "str_to_bytes": "out = np.array(['ab']).astype('S')",
    "datetime_to_str": "out = np.array(['2020-01-01'], 'M8[D]').astype(str)",
    "datetime_to_int": "out = np.array(['2020-01-02'], 'M8[D]').astype(np.int64)",
    "int_to_datetime": "out = np.array([0, 1]).astype('datetime64[D]')",
    "to_object": "out = np.array(['a', 'bb']).astype(object)",
    "casting_safe": "out = np.array(['a']).astype(np.int64, casting='safe')",
    # arithmetic
    "str_add": "out = np.array(['a', 'b']) + np.array(['c', 'd'])",
    "str_plus_int": "out = np.array(['a', 'b']) + 1",
    "str_lt_int": "out = np.array(['1', '2']) < 1",
    "str_sqrt": "out = np.sqrt(np.array(['a']))",
    "str_sum": "out = np.array(['a', 'b']).sum()",
    "object_add": "out = np.array([1, 2], dtype=object) + 1",
    "object_mul": "out = np.array([1, 2], dtype=object) * np.array([3, 4], dtype=object)",
    "object_bad_add": "out = np.array([1, 'a'], dtype=object) + 1",
    # datetime arithmetic
    "dt_minus_dt": "d = np.array(['2020-01-01', '2020-03-01'], 'M8[D]'); out = d - d[0]",
    "dt_scalar_diff": "d = np.array(['2020-01-01', '2020-03-01'], 'M8[D]'); out = d[1] - d[0]",
    "dt_plus_td": "out = np.array(['2020-01-31'], 'M8[D]') + np.timedelta64(1, 'D')",
    "dt_plus_td_units": "out = np.array(['2020-01-01'], 'M8[D]') - np.array([2, 30], 'm8[h]')",
    "dt_s_plus_td_D": "out = np.array(['2020-01-01T00:00:05'], 'M8[s]') + "
                      "np.array([1, 2], 'm8[D]')",
    "td_plus_dt": "out = np.timedelta64(1, 'D') + np.array(['2020-01-01'], 'M8[D]')",
    "dt_plus_int": "out = np.array(['2020-01-01'], 'M8[D]') + 1",
    "datetime_plus_arange": "out = np.datetime64('2020-01-01') + np.arange(3)",
    "dt_scalar_minus_td": "out = np.datetime64('2020-01-10') - np.array([1, 2], 'm8[D]')",
    "nat_propagates": "out = np.array(['NaT', '2020-01-01'], 'M8[D]') + np.timedelta64(1, 'D')",
    "dt_plus_dt": "out = np.array(['2020-01-01'], 'M8[D]') + np.array(['2020-01-01'], 'M8[D]')",
    "dt_compare": "out = np.array(['2020-01-01', '2020-03-01'], 'M8[D]') < "
                  "np.datetime64('2020-02-01')",
    "dt_compare_units": "out = np.array(['2020-01-01'], 'M8[D]') == "
                        "np.array(['2020-01-01T00'], 'M8[h]')",
    "td_ratio": "out = (np.array([3, 6], 'm8[D]') / np.timedelta64(1, 'D'))",
    "td_times_int": "out = np.array([1, 2], 'm8[D]') * 2",
    "td_times_array": "out = np.array([1, 2], 'm8[D]') * np.array([2, 3])",
    "td_times_float": "out = np.array([2, 4], 'm8[D]') * 1.5",
    "td_div_int": "out = np.array([4, 6], 'm8[D]') / 2",
    "td_div_array": "out = np.array([4, 6], 'm8[D]') / np.array([2, 3])",
    "td_floordiv": "out = np.array([5, 7], 'm8[D]') // 2",
    "td_neg_abs": "out = abs(-np.array([1, -2], 'm8[D]'))",
    "td_sum": "out = np.array([1, 2], 'm8[D]').sum()",
    "dt_max": "out = np.array(['2020-01-01', '2020-03-01'], 'M8[D]').max()",
    "dt_sort": "out = np.sort(np.array(['2020-03-01', '2020-01-01'], 'M8[D]'))",
    "isnat": "out = np.isnat(np.array(['NaT', '2020-01-01'], 'M8[D]'))",
    "isnat_float": "out = np.isnat(np.array([1.0]))",
    # structured and record arrays
    "field": f"out = np.array([(1, 2.0), (3, 4.0)], dtype={STRUCT})['x']",
    "field_view": f"a = np.array([(1, 2.0), (3, 4.0)], dtype={STRUCT}); a['x'][0] = 10; "
                  f"out = a",
    "field_set": f"a = np.array([(1, 2.0), (3, 4.0)], dtype={STRUCT}); a['y'] = 7; out = a",
    "fields": f"out = np.array([(1, 2.0)], dtype={STRUCT})[['y', 'x']]",
    "record": f"out = np.array([(1, 2.0), (3, 4.0)], dtype={STRUCT})[1]",
    "record_field": f"out = np.array([(1, 2.0), (3, 4.0)], dtype={STRUCT})[1]['y']",
    "struct_mask": f"a = np.array([(3, 2.0), (1, 4.0)], dtype={STRUCT}); out = a[a['x'] > 2]",
    "struct_eq": f"a = np.array([(3, 2.0), (1, 4.0)], dtype={STRUCT}); out = a == a[::-1]",
    "struct_names": f"out = np.array([(1, 2.0)], dtype={STRUCT}).dtype.names",
    "no_field": "out = np.arange(3)['x']",
    "struct_add": "out = np.array([1, 2], dtype=[('x', 'i8')]) + 1",
    "rec_array": f"out = np.rec.array([(1, 2.0), (3, 4.0)], dtype={STRUCT}).y",
    "rec_repr": f"out = repr(np.rec.array([(1, 2.0), (3, 4.0)], dtype={STRUCT}))",
    "rec_fromarrays": "r = np.rec.fromarrays([np.array([1, 2]), np.array(['a', 'b'])], "
                      "names='n,s'); out = (r.n, r.s)",
    "rec_set": f"r = np.rec.array([(1, 2.0)], dtype={STRUCT}); r.x = 5; out = r.x",
    "view_recarray": f"out = np.array([(1, 2.0)], dtype={STRUCT}).view(np.recarray).x",
    # more everyday code
    "hstack": "out = np.hstack([np.array(['a']), np.array(['bc'])])",
    "vstack": "out = np.vstack([np.array(['a']), np.array(['b'])])",
    "concat_str_int": "out = np.concatenate([np.array(['a']), np.array([1])])",
    "where_str_int": "out = np.where(np.array([True, False]), np.array(['a', 'b']), "
                     "np.array([1, 2]))",
    "where_scalars": "out = np.where(np.array([True, False]), 'yes', 'no')",
    "object_max": "out = np.array([1, 5, 3], dtype=object).max()",
    "object_sum_axis": "out = np.array([[1, 2], [3, 4]], dtype=object).sum(axis=0)",
    "diff_dates": "out = np.diff(np.array(['2020-01-01', '2020-01-05', '2020-02-01'], 'M8[D]'))",
    "unique_dates": "out = np.unique(np.array(['2020-01-05', '2020-01-01', '2020-01-05'], "
                    "'M8[D]'))",
    "can_cast": "out = (np.can_cast(np.dtype('U2'), np.dtype('U5')), "
                "np.can_cast(np.dtype('U5'), np.dtype('U2')))",
    "char_upper": "out = np.char.upper(np.array(['ab', 'c']))",
    "strings_len": "out = np.strings.str_len(np.array(['ab', 'c']))",
    "char_missing": "out = np.char.no_such_function",
    # in-place operators and element writes
    "iadd_datetime": "d = np.array(['2020-01-01'], 'M8[D]'); d += np.timedelta64(1, 'D'); "
                     "out = d",
    "iadd_datetime_int": "d = np.array(['2020-01-01'], 'M8[D]'); d += 1; out = d",
    "imul_timedelta": "t = np.array([1, 2], 'm8[D]'); t *= 2; out = t",
    "iadd_str": "a = np.array(['a']); a += 'b'; out = a",
    "iadd_object": "o = np.array([1, 2], dtype=object); o += 1; out = o",
    "set_date_string": "d = np.array(['2020-01-01'], 'M8[D]'); d[0] = '2021-05-05'; out = d",
    "set_str_number": "a = np.array(['a', 'b']); a[0] = 5; out = a",
    "set_float_str": "a = np.array([1.0, 2.0]); a[0] = 'x'; out = a",
    # frompyfunc: object arrays out
    "frompyfunc": "f = np.frompyfunc(lambda x: x * 2, 1, 1); out = f(np.arange(3))",
    "frompyfunc_2_out": "f = np.frompyfunc(lambda x: (x, -x), 1, 2); out = f(np.arange(2))",
    "frompyfunc_scalar": "f = np.frompyfunc(lambda x, y: x + y, 2, 1); out = f(2, 3)",
    "frompyfunc_attrs": "f = np.frompyfunc(lambda x: x, 1, 1); out = (f.nin, f.nout, "
                        "isinstance(f, np.ufunc))",
}


@pytest.mark.parametrize("name", list(CASES))
def test_like_numpy(name):
    code = CASES[name]
    same(run(code, tn), run(code, np))


def test_dtype_objects_are_numpys_spellings():
    a = tn.array(["ab", "c"])
    dt = a.dtype
    assert isinstance(dt, HostDType) and dt._code >= HOST_CODE
    assert dt == np.dtype("<U2") and dt == "U2" and dt == "<U2" and dt != np.dtype("<U3")
    assert str(dt) == "<U2" and repr(dt) == "dtype('<U2')" and dt.name == "str64"
    assert tn.dtype("<U2") is dt and tn.asarray(["xy"]).dtype is dt  # one object per dtype
    assert hash(dt) == hash(np.dtype("<U2"))
    assert pickle.loads(pickle.dumps(dt)) is dt
    assert isinstance(dt, tn.dtype)
    assert tn.dtype(object) == np.dtype(object) and str(tn.dtype(object)) == "object"
    st = tn.dtype(STRUCT)
    assert st.names == ("x", "y") and st["x"] == np.dtype("i8") and len(st) == 2
    assert tn.issubdtype(dt, np.str_) is True


def test_views_share_memory_and_copies_do_not():
    a = tn.array(["aa", "bb", "cc"])
    v = a.reshape(3, 1)
    v[0, 0] = "zz"
    assert a[0] == "zz"
    c = a.copy()
    c[1] = "qq"
    assert a[1] == "bb"
    s = tn.array([(1, 2.0)], dtype=STRUCT)
    f = s["y"]
    f[0] = 9.5
    assert s.tolist() == [(1, 9.5)]
    assert f.dtype == np.float64 and type(f) is tn.ndarray


def test_pickle_roundtrip():
    for a in (tn.array(["a", "bc"]), tn.array(["2020-01-01"], dtype="M8[D]"),
              tn.array([(1, 2.0)], dtype=STRUCT), tn.array([1, "x"], dtype=object)):
        b = pickle.loads(pickle.dumps(a))
        assert b.dtype == a.dtype and b.tolist() == a.tolist()


def test_only_the_cpu_holds_them():
    a = tn.array(["a", "b"])
    for make in (lambda: a.to_device("toy"), lambda: tn.asarray(["a"], device="toy"),
                 lambda: tn.zeros(2, dtype="U3", device="toy"),
                 lambda: tn.full(2, np.datetime64("2020-01-01"), device="toy")):
        with pytest.raises(HostOnlyError) as info:
            make()
        e = info.value
        assert isinstance(e, tn.TruenoError) and isinstance(e, TypeError)
        assert isinstance(e, RuntimeError) and "CPU only" in str(e)
    x = tn.arange(3.0).to_device("toy")  # numbers still go
    assert x.device.type == "toy"


def test_the_torch_face_holds_numbers_only():
    import trueno.torch as torch
    with pytest.raises(TypeError):
        torch.tensor(["a", "b"])


def test_refused_operations_are_type_errors_with_a_hint():
    a = tn.array(["a", "b"])
    for bad in (lambda: a + 1, lambda: tn.sqrt(a), lambda: a.sum(), lambda: -a,
                lambda: a * a, lambda: tn.array([1, "a"], dtype=object) + 1):
        with pytest.raises(TypeError) as info:
            bad()
        assert isinstance(info.value, tn.TruenoError)
        assert "hint" in str(info.value)


def test_save_load(tmp_path):
    arrays = {"s": np.array(["a", "bc"]), "b": np.array([b"x"]),
              "d": np.array(["2020-01-01", "NaT"], "M8[D]"),
              "t": np.array([1, 2], "m8[s]"), "r": np.array([(1, 2.0)], dtype=STRUCT)}
    for k, want in arrays.items():
        tn.save(tmp_path / f"{k}.npy", tn.asarray(want))
        got = tn.load(tmp_path / f"{k}.npy")
        assert isinstance(got, tn.ndarray) and got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)
        assert np.load(tmp_path / f"{k}.npy").dtype == want.dtype  # NumPy reads trueno's
    tn.savez(tmp_path / "z.npz", **{k: tn.asarray(v) for k, v in arrays.items()})
    with tn.load(tmp_path / "z.npz") as z:
        assert z["s"].tolist() == ["a", "bc"] and isinstance(z["d"], tn.ndarray)


def test_object_arrays_need_allow_pickle(tmp_path):
    obj = tn.array([1, "a", None], dtype=object)
    with pytest.raises(ValueError):
        tn.save(tmp_path / "o.npy", obj, allow_pickle=False)
    tn.save(tmp_path / "o.npy", obj)
    with pytest.raises(ValueError) as info:  # never unpickles unless allowed
        tn.load(tmp_path / "o.npy")
    assert isinstance(info.value, tn.TruenoError)
    got = tn.load(tmp_path / "o.npy", allow_pickle=True)
    assert got.dtype == np.dtype(object) and got.tolist() == [1, "a", None]


def test_numeric_dtypes_keep_their_kernels():
    # a numeric op never resolves to the host kernels, and no host dtype joins a numeric
    # dtype's cache keys (codes below HOST_CODE)
    tn.array(["x"]) == "x"  # noqa: B015  (makes host dtypes and caches their kernels)
    from trueno._optable import OPS
    for name in ("add", "equal", "sort"):
        for key, k in OPS[name].kcache.items():
            if key < HOST_CODE:  # a numeric dtype on some device
                assert "_host_dtypes" not in getattr(k, "__module__", "")
    assert all(d._code < 64 for d in tn._dtypes.ALL)


def test_many_string_lengths_have_distinct_cache_keys():
    a = tn.array(["ab", "cd"])
    b = tn.array(["abcdefg", "cd"])
    assert (a == b).tolist() == [False, True]
    assert (b == a).tolist() == [False, True]
    assert (a == a).tolist() == [True, True]
    assert (tn.array(["x" * 30]) < tn.array(["x" * 31])).tolist() == [True]
