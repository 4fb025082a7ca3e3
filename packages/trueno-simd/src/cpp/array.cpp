#include "array.hpp"

#include <cstring>
#include <string>

namespace trueno {

namespace {
// The exception class `module.name`, or `fallback` if it cannot be imported.
[[noreturn]] void raise_as(const char* module, const char* name, PyObject* fallback,
                           const std::string& msg) {
    PyObject* cls = fallback;
    py::object holder;
    try {
        holder = py::module_::import(module).attr(name);
        cls = holder.ptr();
    } catch (py::error_already_set&) {
    }
    PyErr_SetString(cls, msg.c_str());
    throw py::error_already_set();
}
}  // namespace

void type_error(const std::string& msg) {
    raise_as("trueno", "DTypeError", PyExc_TypeError, msg);
}
void shape_error(const std::string& msg) {
    raise_as("trueno", "ShapeError", PyExc_ValueError, msg);
}
void value_error(const std::string& msg) {
    raise_as("trueno_simd._errors", "KernelArgumentError", PyExc_ValueError, msg);
}

std::string arg_repr(py::handle h) { return std::string(py::repr(h)); }

std::string shape_str(const std::vector<idx>& shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        s += std::to_string(shape[i]);
        if (shape.size() == 1 || i + 1 < shape.size()) s += shape.size() == 1 ? "," : ", ";
    }
    return s + ")";
}

idx int_arg(py::handle h, const char* op, const char* name) {
    if (PyBool_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
        type_error(std::string("trueno_simd.") + op + ": " + name + " must be an int, got " +
                   arg_repr(h));
    py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
    if (!i) throw py::error_already_set();
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
    if (overflow) value_error(std::string("trueno_simd.") + op + ": " + name + "=" + arg_repr(h) +
                              " is out of range");
    return idx(v);
}

DType dtype_code(const py::dtype& dt) {
    const char kind = dt.kind();
    if (dt.byteorder() == '>') return NDT;  // non-native byte order: no kernel reads it
    const idx size = idx(dt.itemsize());
    if (kind == 'b') return B1;
    if (kind == 'i') return size == 1 ? I8 : size == 2 ? I16 : size == 4 ? I32 : size == 8 ? I64 : NDT;
    if (kind == 'u') return size == 1 ? U8 : size == 2 ? U16 : size == 4 ? U32 : size == 8 ? U64 : NDT;
    if (kind == 'f') return size == 2 ? F16 : size == 4 ? F32 : size == 8 ? F64 : NDT;
    if (kind == 'V' && size == 2) {
        std::string name = py::str(dt.attr("name"));
        if (name == "bfloat16") return BF16;
    }
    return NDT;
}

const char* dtype_name(DType d) {
    static const char* names[] = {"bool",   "int8",    "int16",   "int32",    "int64",
                                  "uint8",  "uint16",  "uint32",  "uint64",   "float16",
                                  "bfloat16", "float32", "float64", "unsupported"};
    return names[d];
}

py::dtype dtype_of(DType d) {
    if (d == BF16) return py::dtype::from_args(py::module_::import("ml_dtypes").attr("bfloat16"));
    return py::dtype(std::string(dtype_name(d)));
}

idx itemsize_of(DType d) {
    static const idx sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8, 0};
    return sizes[d];
}

bool is_float(DType d) { return d == F32 || d == F64; }
bool is_half(DType d) { return d == F16 || d == BF16; }
bool is_int(DType d) { return d >= I8 && d <= U64; }

py::array as_array(py::handle h, const char* op) {
    if (py::isinstance<py::array>(h)) return py::reinterpret_borrow<py::array>(h);
    py::array a = py::array::ensure(h);
    if (!a) type_error(std::string("trueno_simd.") + op +
                       ": expected a numpy array or numpy scalar, got " +
                       std::string(py::str(py::type::handle_of(h).attr("__name__"))));
    return a;
}

std::vector<idx> shape_of(const py::array& a) {
    std::vector<idx> s(size_t(a.ndim()));
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s[size_t(i)] = idx(a.shape(i));
    return s;
}

void check_dims(const std::vector<idx>& shape, const char* op) {
    size_t n = 0;
    for (idx s : shape) n += s != 1;
    if (n > size_t(kMaxDims))
        value_error(std::string("trueno_simd.") + op + ": arrays with more than " +
                    std::to_string(kMaxDims) + " dimensions other than 1 are not supported, got " +
                    std::to_string(n));
}

idx numel(const std::vector<idx>& shape) {
    idx n = 1;
    for (idx s : shape) n *= s;
    return n;
}

std::vector<idx> broadcast_shapes(const std::vector<std::vector<idx>>& shapes, const char* op) {
    size_t nd = 0;
    for (auto& s : shapes) nd = std::max(nd, s.size());
    if (nd > size_t(kMaxDims))
        value_error(std::string("trueno_simd.") + op + ": at most " + std::to_string(kMaxDims) +
                    " dimensions are supported, got " + std::to_string(nd));
    std::vector<idx> out(nd, 1);
    for (auto& s : shapes) {
        size_t off = nd - s.size();
        for (size_t i = 0; i < s.size(); ++i) {
            idx& o = out[off + i];
            if (s[i] == o || s[i] == 1) continue;
            if (o == 1) {
                o = s[i];
                continue;
            }
            std::string msg = std::string("trueno_simd.") + op + ": shapes";
            for (auto& t : shapes) msg += " " + shape_str(t);
            shape_error(msg + " do not broadcast (dimension " + std::to_string(i) + " of " +
                        shape_str(s) + " is " + std::to_string(s[i]) + ", expected 1 or " +
                        std::to_string(o) + ")");
        }
    }
    return out;
}

py::array make_out(py::object out, const std::vector<idx>& shape, const py::dtype& dt,
                   const char* op) {
    std::vector<py::ssize_t> shp(shape.begin(), shape.end());
    if (out.is_none()) return py::array(dt, shp);
    const std::string f = std::string("trueno_simd.") + op + ": out=";
    if (!py::isinstance<py::array>(out))
        type_error(f + " must be a numpy.ndarray, got " +
                   std::string(py::str(py::type::handle_of(out).attr("__name__"))));
    py::array o = py::reinterpret_borrow<py::array>(out);
    if (!o.dtype().is(dt) && !o.dtype().equal(dt))
        type_error(f + " has dtype " + std::string(py::str(o.dtype())) + ", expected " +
                   std::string(py::str(dt)));
    if (shape_of(o) != shape)
        shape_error(f + " has shape " + shape_str(shape_of(o)) + ", expected " +
                    shape_str(shape));
    if (!(o.flags() & py::array::c_style))
        value_error(f + " must be C-contiguous (hint: pass numpy.empty(shape, dtype))");
    if (!o.writeable()) value_error(f + " is read-only");
    return o;
}

namespace {
// [lo, hi) bytes an array may touch; false for an empty array.
bool extent(const py::array& a, const char** lo, const char** hi) {
    if (a.size() == 0) return false;
    const char* p = static_cast<const char*>(a.data());
    idx l = 0, h = idx(a.itemsize());
    for (py::ssize_t i = 0; i < a.ndim(); ++i) {
        const idx step = idx(a.strides(i)) * (idx(a.shape(i)) - 1);
        if (step < 0) l += step;
        else h += step;
    }
    *lo = p + l;
    *hi = p + h;
    return true;
}
}  // namespace

OutGuard::OutGuard(py::object out_, std::initializer_list<py::handle> inputs, bool alias_ok,
                   const char* op)
    : out(out_), user(py::none()), op(op) {
    if (out.is_none()) return;
    if (!py::isinstance<py::array>(out))
        type_error(std::string("trueno_simd.") + op + ": out= must be a numpy.ndarray, got " +
                   std::string(py::str(py::type::handle_of(out).attr("__name__"))));
    py::array o = py::reinterpret_borrow<py::array>(out);
    const char *olo, *ohi;
    if (!extent(o, &olo, &ohi)) return;
    for (py::handle h : inputs) {
        if (!py::isinstance<py::array>(h)) continue;
        py::array a = py::reinterpret_borrow<py::array>(h);
        const char *lo, *hi;
        if (!extent(a, &lo, &hi) || hi <= olo || ohi <= lo) continue;
        const bool same = alias_ok && a.data() == o.data() && a.itemsize() == o.itemsize() &&
                          (a.flags() & py::array::c_style) && shape_of(a) == shape_of(o);
        if (same) continue;
        user = out;
        out = py::none();
        return;
    }
}

py::array OutGuard::finish(py::array result) const {
    if (user.is_none()) return result;
    py::array o = make_out(user, shape_of(result), result.dtype(), op);  // checks, no copy
    o.attr("__setitem__")(py::ellipsis(), result);
    return o;
}

std::vector<idx> bstrides(const py::array& a, const std::vector<idx>& oshape) {
    std::vector<idx> s(oshape.size(), 0);
    size_t off = oshape.size() - size_t(a.ndim());
    for (py::ssize_t i = 0; i < a.ndim(); ++i)
        s[off + size_t(i)] = a.shape(i) == 1 ? 0 : idx(a.strides(i));
    return s;
}

void half_to_float(DType d, const char* src, idx stride, float* dst, idx n) {
    if (d == BF16) {
        for (idx i = 0; i < n; ++i) {
            std::uint32_t bits = std::uint32_t(ld<std::uint16_t>(src + i * stride)) << 16;
            std::memcpy(dst + i, &bits, 4);
        }
    } else {
        for (idx i = 0; i < n; ++i) dst[i] = float(ld<_Float16>(src + i * stride));
    }
}

void float_to_half(DType d, const float* src, char* dst, idx n) {
    if (d == BF16) {
        for (idx i = 0; i < n; ++i) {
            std::uint32_t bits;
            std::memcpy(&bits, src + i, 4);
            std::uint16_t h;
            if ((bits & 0x7fffffffu) > 0x7f800000u) {
                h = std::uint16_t((bits >> 16) | 0x40);  // quiet NaN
            } else {
                h = std::uint16_t((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);  // RNE
            }
            st<std::uint16_t>(dst + i * 2, h);
        }
    } else {
        for (idx i = 0; i < n; ++i) st<_Float16>(dst + i * 2, _Float16(src[i]));
    }
}

}  // namespace trueno

namespace trueno {

std::vector<idx> c_offsets(const std::vector<idx>& shape, const std::vector<idx>& strides) {
    const idx n = numel(shape);
    std::vector<idx> off(size_t(n), 0);
    std::vector<idx> c(shape.size(), 0);
    idx cur = 0;
    for (idx i = 0; i < n; ++i) {
        off[size_t(i)] = cur;
        for (size_t d = shape.size(); d-- > 0;) {
            cur += strides[d];
            if (++c[d] < shape[d]) break;
            cur -= strides[d] * shape[d];
            c[d] = 0;
        }
    }
    return off;
}

bool single_run(const std::vector<idx>& shape, const std::vector<idx>& strides, size_t from,
                idx* stride) {
    bool have = false;
    idx s = 0, len = 1;
    for (size_t d = shape.size(); d-- > from;) {
        if (shape[d] == 1) continue;
        if (!have) {
            s = strides[d];
            len = shape[d];
            have = true;
        } else if (strides[d] != s * len) {
            return false;
        } else {
            len *= shape[d];
        }
    }
    *stride = have ? s : 0;
    return true;
}

}  // namespace trueno
