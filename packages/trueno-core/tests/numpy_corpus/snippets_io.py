"""NumPy corpus: file I/O into a temporary folder, and text formatting."""

SNIPPETS = r'''
#: save_load_bool_complex
np.save(tmp_path / "b.npy", np.array([True, False]))
np.save(tmp_path / "c.npy", np.array([1 + 2j]))
out = (np.load(tmp_path / "b.npy"), np.load(tmp_path / "c.npy"))
#: save_without_suffix
np.save(tmp_path / "plain", np.arange(3))
out = np.load(tmp_path / "plain.npy")
#: save_file_object
with open(tmp_path / "f.npy", "wb") as f:
    np.save(f, np.arange(4.0))
    np.save(f, np.ones(2))
with open(tmp_path / "f.npy", "rb") as f:
    out = (np.load(f), np.load(f))
#: load_mmap_mode
np.save(tmp_path / "m.npy", np.arange(5.0))
out = np.load(tmp_path / "m.npy", mmap_mode="r")[1:3]
#: savez_dict_unpack
data = {"alpha": np.arange(2), "beta": np.eye(2)}
np.savez(tmp_path / "d.npz", **data)
with np.load(tmp_path / "d.npz") as f:
    out = {k: f[k] for k in sorted(f.files)}
#: npz_contains_and_keys
np.savez(tmp_path / "k.npz", a=np.zeros(1))
with np.load(tmp_path / "k.npz") as f:
    out = ("a" in f, list(f.keys()))
#: savetxt_1d_column
p = tmp_path / "col.txt"
np.savetxt(p, np.array([1.0, 2.0]))
out = p.read_text()
#: savetxt_int_array_default_fmt
p = tmp_path / "ints.txt"
np.savetxt(p, np.array([[1, 2], [3, 4]]))
out = p.read_text()
#: savetxt_complex
p = tmp_path / "cx.txt"
np.savetxt(p, np.array([1 + 2j]))
out = p.read_text()
#: savetxt_footer_comments
p = tmp_path / "ft.txt"
np.savetxt(p, np.zeros((1, 2)), fmt="%g", header="h", footer="end", comments="% ")
out = p.read_text()
#: loadtxt_dtype_int_ndmin
p = tmp_path / "one.txt"
p.write_text("5\n")
out = (np.loadtxt(p, dtype=int), np.loadtxt(p, ndmin=2).shape)
#: loadtxt_max_rows
p = tmp_path / "mr.txt"
p.write_text("1 2\n3 4\n5 6\n")
out = np.loadtxt(p, max_rows=2)
#: loadtxt_converters
p = tmp_path / "cv.txt"
p.write_text("1,a\n2,b\n")
out = np.loadtxt(p, delimiter=",", usecols=0, converters={0: lambda s: float(s) * 10})
#: loadtxt_from_stringio
import io
out = np.loadtxt(io.StringIO("1 2\n3 4"))
#: loadtxt_bad_value_raises
import io
out = np.loadtxt(io.StringIO("1 x\n"))
#: genfromtxt_filling_values
import io
out = np.genfromtxt(io.StringIO("1,,3\n4,5,\n"), delimiter=",", filling_values=-1)
#: genfromtxt_usecols_skip_footer
import io
out = np.genfromtxt(io.StringIO("a b\n1 2\n3 4\nend end\n"), skip_header=1, skip_footer=1)
#: fromfile_text_sep
p = tmp_path / "sep.txt"
p.write_text("1,2,3")
out = np.fromfile(p, sep=",")
#: tofile_text
p = tmp_path / "tf.txt"
np.arange(3.0).tofile(p, sep=" ")
out = p.read_text()
#: array2string_options
out = np.array2string(np.array([1.23456, 2.0]), precision=2, suppress_small=True)
#: array2string_formatter
out = np.array2string(np.array([1, 2]), formatter={"int": lambda x: f"<{x}>"})
#: printoptions_linewidth
with np.printoptions(linewidth=20):
    out = str(np.arange(12))
#: printoptions_floatmode
with np.printoptions(floatmode="fixed", precision=3):
    out = repr(np.array([1.0, 2.5]))
#: printoptions_sign
with np.printoptions(sign="+"):
    out = str(np.array([1, -2]))
#: repr_float32_scalar_and_array
out = (repr(np.float32(0.1)), repr(np.array([0.1], dtype=np.float32)))
#: str_of_scalars
out = (str(np.float64(0.1)), str(np.int32(7)), str(np.bool_(True)), str(np.complex128(1j)))
#: repr_structured_dtype_free_mix
out = repr(np.array([[1.5, np.nan], [np.inf, -2.0]]))
#: json_tolist_roundtrip
import json
out = json.loads(json.dumps(np.arange(3.0).reshape(1, 3).tolist()))
#: pickle_roundtrip
import pickle
out = pickle.loads(pickle.dumps(np.arange(4.0).reshape(2, 2)))
#: copy_deepcopy
import copy
a = np.arange(3)
b = copy.deepcopy(a)
b[0] = 9
out = (a, b, copy.copy(a))
#: loadtxt_single_row_unpack
import io
a, b = np.loadtxt(io.StringIO("1 2\n"), unpack=True)
out = (a, b)
#: genfromtxt_single_value
import io
out = np.genfromtxt(io.StringIO("7\n"))
#: loadtxt_unpack_is_array
import io
out = np.loadtxt(io.StringIO("1 2\n3 4\n5 6\n"), unpack=True)
'''
