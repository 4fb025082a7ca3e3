"""NumPy corpus: strings, bytes, object, datetime64/timedelta64, structured and record arrays
(every NumPy dtype on the CPU, issue 14)."""

SNIPPETS = r'''
#: names_upper_sorted
names = np.array(["carol", "alice", "bob"])
out = np.sort(names)
#: string_equality_mask
names = np.array(["carol", "alice", "bob", "alice"])
out = np.nonzero(names == "alice")[0]
#: string_where_label
scores = np.array([55, 80, 91])
out = np.where(scores >= 60, "pass", "fail")
#: string_unique_counts
words = np.array(["a", "b", "a", "c", "a"])
vals, counts = np.unique(words, return_counts=True)
out = (vals, counts, vals[np.argmax(counts)])
#: string_concat_arrays
out = np.concatenate([np.array(["x", "y"]), np.array(["long"])])
#: string_astype_int
out = np.array(["1", "22", "333"]).astype(int).sum()
#: number_to_string_labels
out = np.arange(3).astype(str)
#: string_print
print(np.array(["a", "bb"]))
print(repr(np.array(["a", "bb"]).dtype))
#: string_element_type
a = np.array(["x", "yz"])
out = (a[1], type(a[1]).__name__, a.tolist(), a.dtype.kind, a.itemsize)
#: string_setitem_truncates
a = np.array(["ab", "cd"])
a[0] = "xyz"
out = a
#: string_plus_int_raises
out = np.array(["a"]) + 1
#: bytes_array
b = np.array([b"ab", b"c"])
out = (b, b[0], b.astype("U"))
#: object_array_mixed
o = np.array([1, "two", [3]], dtype=object)
out = (o[0], o[1], o[2], o.shape, len(o))
#: object_array_arithmetic
from fractions import Fraction
o = np.array([Fraction(1, 3), Fraction(1, 6)], dtype=object)
out = (o * 3).tolist()
#: object_none_check
o = np.array([1, None, 3], dtype=object)
out = o == None
#: big_int_is_object
out = np.array([2 ** 80, 1]).dtype
#: datetime_range_days
out = np.arange("2024-02-27", "2024-03-02", dtype="datetime64[D]")
#: datetime_diff_days
d = np.array(["2024-01-01", "2024-03-01"], dtype="datetime64[D]")
out = (d[1] - d[0], (d[1] - d[0]) / np.timedelta64(1, "D"))
#: datetime_plus_timedelta
d = np.array(["2024-01-31", "2024-12-31"], dtype="datetime64[D]")
out = d + np.timedelta64(1, "D")
#: datetime_plus_hours
d = np.array(["2024-01-01"], dtype="datetime64[D]")
out = d + np.array([1, 36], dtype="timedelta64[h]")
#: datetime_scalar_plus_arange
out = np.datetime64("2024-01-01") + np.arange(4)
#: datetime_filter
d = np.arange("2024-01-01", "2024-01-10", dtype="datetime64[D]")
out = d[(d >= np.datetime64("2024-01-03")) & (d < np.datetime64("2024-01-05"))]
#: datetime_min_max_sort
d = np.array(["2024-05-01", "2023-01-01", "2024-01-01"], dtype="datetime64[D]")
out = (d.min(), d.max(), np.sort(d), np.argsort(d))
#: datetime_nat
d = np.array(["2024-01-01", "NaT"], dtype="datetime64[D]")
out = (np.isnat(d), d + np.timedelta64(2, "D"))
#: datetime_to_string_and_back
d = np.array(["2024-01-01T06:30"], dtype="datetime64[m]")
out = (d.astype(str), d.astype("datetime64[D]"), d.astype("datetime64[D]").astype(np.int64))
#: datetime_tolist_and_print
d = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")
print(d)
out = (d.tolist(), d[0])
#: timedelta_arithmetic
t = np.array([1, 2, 3], dtype="timedelta64[h]")
out = (t * 2, t.sum(), -t, t / np.timedelta64(30, "m"))
#: datetime_divide_int_array_raises
d = np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[D]")
out = d / np.array([1, 2])
#: datetime_floor_divide_timedelta_raises
d = np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[D]")
out = d // np.array([1, 2], dtype="timedelta64[D]")
#: timedelta_median_percentile
t = np.array([[1, 2, 7], [4, 5, 6]], dtype="timedelta64[h]")
out = (np.median(t), np.median(t, axis=0), np.percentile(t, 50), np.quantile(t, [0.3, 0.9]))
#: timedelta_minus_datetime_raises
d = np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[D]")
out = np.array([1, 2], dtype="timedelta64[D]") - d
#: int_minus_datetime_raises
out = np.arange(2) - np.array(["2024-01-01", "2024-01-03"], dtype="datetime64[D]")
#: datetime_scalar_minus_timedelta_array
t = np.array([1, 36, "NaT"], dtype="timedelta64[h]")
out = (np.datetime64("2024-01-01") - t, np.timedelta64(2, "D") - t, t - np.datetime64("2024-01-01"))
#: timedelta_times_float_array
t = np.array([10, 20, 30, "NaT"], dtype="timedelta64[m]")
out = (t * np.array([1.5, 0.25, np.nan, 2.0]), t / np.array([2.0, 8.0, 3.0, 1.0]),
       np.array([0.5, 2.0, 1.0, 1.0]) * t)
#: timedelta_mean
t = np.array([[1, 2, 7], [4, 5, 6]], dtype="timedelta64[h]")
out = (t.mean(), t.mean(axis=0), np.mean(t, axis=1, keepdims=True),
       np.array([1, "NaT"], dtype="timedelta64[s]").mean())
#: timedelta_ratio_nat
t = np.array([30, "NaT", 90], dtype="timedelta64[m]")
out = (t / t, t / np.timedelta64(1, "h"))
#: structured_fields
people = np.array([("ann", 31, 1.6), ("bo", 25, 1.8)],
                  dtype=[("name", "U5"), ("age", "i4"), ("h", "f8")])
out = (people["name"], people["age"].mean(), people[1], people.dtype.names)
#: structured_sort_by_field
people = np.array([("ann", 31), ("bo", 25), ("cy", 40)], dtype=[("name", "U5"), ("age", "i4")])
out = np.sort(people, order="age")["name"]
#: structured_field_view_writes
a = np.zeros(3, dtype=[("x", "f8"), ("y", "f8")])
a["x"] = np.arange(3.0)
a["y"][1] = 5.0
out = (a, a.tolist())
#: structured_mask
a = np.array([(1, 2.0), (5, 1.0)], dtype=[("k", "i8"), ("v", "f8")])
out = a[a["k"] > 2]
#: record_array_attributes
r = np.rec.array([(1, 2.0), (3, 4.0)], dtype=[("x", "i8"), ("y", "f8")])
out = (r.x, r.y.sum(), r[0].x)
#: record_fromarrays
r = np.rec.fromarrays([np.array([1, 2]), np.array(["a", "b"])], names="n,s")
out = (r.n, r.s, r.dtype.names)
#: save_load_strings_dates
np.save(tmp_path / "s.npy", np.array(["x", "yy"]))
np.save(tmp_path / "d.npy", np.array(["2024-01-01"], dtype="datetime64[D]"))
out = (np.load(tmp_path / "s.npy"), np.load(tmp_path / "d.npy"))
#: load_object_needs_allow_pickle
np.save(tmp_path / "o.npy", np.array([1, "a"], dtype=object))
out = np.load(tmp_path / "o.npy")
'''
