/* trueno._cindex: element access of the NumPy face's arrays at NumPy's speed.
 *
 * ``a[3]`` on a CPU array is NumPy's ``a._data[3]`` plus a few checks, but a ``__getitem__``
 * written in Python costs one Python call on top (about 60% of NumPy's whole ``a[3]``), so
 * the NumPy face was 1.6-2.6x NumPy per element however little the Python did (issue 14).
 * ``IndexBase`` is a mixin type with no state of its own whose mapping slots run that fast
 * path in C and hand every other case to the class's Python ``_getitem``/``_setitem``:
 *
 *   - ``self[key]``: where the array lives on the CPU, autograd does not record it and the key
 *     is an int, a NumPy integer, or a tuple starting with one (or empty), NumPy indexes the
 *     array's NumPy storage; a result that is not an ndarray (one element: a NumPy scalar) is
 *     returned as it is, a row ``a[i]`` of an n-d array becomes a view of it (``make_row``);
 *     anything else, and every error, goes to ``_getitem`` (trueno's checks and messages).
 *   - ``self[key] = value``: the same conditions, a Python or NumPy scalar value and a key of
 *     ints and slices are written straight into the storage (NumPy's casts and checks) and the
 *     version counter is bumped; anything else goes to ``_setitem``.
 *
 * The Python class configures the slots it reads (``configure``) once, at import; it keeps
 * equivalent pure-Python paths for an install without a C compiler (``_ndarray.py``).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define MAX_INT_TYPES 16

static Py_ssize_t off_data = -1, off_ag = -1, off_device = -1, off_version = -1;
static Py_ssize_t off_dtype = -1, off_base = -1;
static PyTypeObject *dtype_type = NULL;  /* trueno.DType: numeric dtypes (rows made in C) */
static PyObject *cpu_device = NULL;      /* the CPU device object (compared by identity) */
static PyTypeObject *nd_type = NULL;     /* numpy.ndarray */
static PyTypeObject *generic_type = NULL; /* numpy.generic */
static PyTypeObject *int_types[MAX_INT_TYPES];
static int n_int_types = 0;
static PyObject *str_getitem = NULL, *str_setitem = NULL, *str_row = NULL;
static PyObject *str_getitem_op = NULL, *str_key = NULL;

#define SLOT(self, off) (*(PyObject **)((char *)(self) + (off)))

static inline int
is_int_key(PyTypeObject *t)
{
    if (t == &PyLong_Type)
        return 1;
    for (int i = 0; i < n_int_types; i++)
        if (t == int_types[i])
            return 1;
    return 0;
}

/* CPU storage, not recorded by autograd: the NumPy array to index, else NULL (borrowed) */
static inline PyObject *
fast_data(PyObject *self)
{
    if (off_data < 0)
        return NULL;
    if (SLOT(self, off_ag) != Py_None || SLOT(self, off_device) != cpu_device)
        return NULL;
    return SLOT(self, off_data);
}

/* an error of NumPy's indexing is re-raised by trueno's general path with its own message;
   anything that is not an Exception (KeyboardInterrupt) propagates */
static inline int
clear_exception(void)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception))
        return -1;
    PyErr_Clear();
    return 0;
}

/* ``a[i]`` of an n-d array: the row view ``r`` (a NumPy view of the storage) as an array of
   ``self``'s class that is a view of ``self`` -- what ``ndarray._row`` does in Python, without
   the call. An object array (its element may itself be an ndarray) goes to ``_row``. */
static PyObject *
make_row(PyObject *self, PyObject *r, PyObject *key)
{
    PyObject *dtype = SLOT(self, off_dtype), *version = SLOT(self, off_version);
    if (dtype == NULL || Py_TYPE(dtype) != dtype_type || version == NULL)
        return PyObject_CallMethodObjArgs(self, str_row, r, key, NULL);
    PyObject *params = PyDict_New();
    if (params == NULL)
        return NULL;
    if (PyDict_SetItem(params, str_key, key) < 0) {
        Py_DECREF(params);
        return NULL;
    }
    PyObject *base = PyTuple_Pack(3, self, str_getitem_op, params);
    Py_DECREF(params);
    if (base == NULL)
        return NULL;
    PyTypeObject *tp = Py_TYPE(self);
    PyObject *out = tp->tp_alloc(tp, 0);
    if (out == NULL) {
        Py_DECREF(base);
        return NULL;
    }
    Py_INCREF(r);
    SLOT(out, off_data) = r;
    Py_INCREF(dtype);
    SLOT(out, off_dtype) = dtype;
    Py_INCREF(cpu_device);
    SLOT(out, off_device) = cpu_device;
    Py_INCREF(version);
    SLOT(out, off_version) = version;
    Py_INCREF(Py_None);
    SLOT(out, off_ag) = Py_None;
    SLOT(out, off_base) = base;
    return out;
}

static PyObject *
index_subscript(PyObject *self, PyObject *key)
{
    PyTypeObject *kt = Py_TYPE(key);
    int kind = 0; /* 1: an integer, 2: a tuple starting with one (or empty) */
    if (is_int_key(kt))
        kind = 1;
    else if (kt == &PyTuple_Type &&
             (PyTuple_GET_SIZE(key) == 0 || is_int_key(Py_TYPE(PyTuple_GET_ITEM(key, 0)))))
        kind = 2;
    if (kind) {
        PyObject *data = fast_data(self);
        if (data != NULL) {
            PyObject *r = PyObject_GetItem(data, key);
            if (r == NULL) {
                if (clear_exception() < 0)
                    return NULL;
            }
            else if (Py_TYPE(r) != nd_type) {
                return r; /* one element: NumPy's scalar, a copy */
            }
            else if (kind == 1) {
                PyObject *out = make_row(self, r, key);
                Py_DECREF(r);
                return out;
            }
            else {
                Py_DECREF(r); /* a view of a tuple key: trueno's general path makes it */
            }
        }
    }
    return PyObject_CallMethodOneArg(self, str_getitem, key);
}

static int
is_scalar_value(PyObject *v)
{
    PyTypeObject *t = Py_TYPE(v);
    return t == &PyFloat_Type || t == &PyLong_Type || t == &PyBool_Type ||
           t == &PyComplex_Type || (generic_type != NULL && PyObject_TypeCheck(v, generic_type));
}

static int
is_basic_key(PyObject *key)
{
    PyTypeObject *kt = Py_TYPE(key);
    if (kt == &PyLong_Type)
        return 1;
    if (kt != &PyTuple_Type)
        return 0;
    Py_ssize_t n = PyTuple_GET_SIZE(key);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTypeObject *t = Py_TYPE(PyTuple_GET_ITEM(key, i));
        if (t != &PyLong_Type && t != &PySlice_Type)
            return 0;
    }
    return 1;
}

static int
bump_version(PyObject *self)
{
    PyObject *v = SLOT(self, off_version);
    PyObject *old = PyList_GET_ITEM(v, 0);
    PyObject *one = PyLong_FromLong(1);
    if (one == NULL)
        return -1;
    PyObject *new = PyNumber_Add(old, one);
    Py_DECREF(one);
    if (new == NULL)
        return -1;
    PyList_SET_ITEM(v, 0, new);
    Py_DECREF(old);
    return 0;
}

static int
index_ass_subscript(PyObject *self, PyObject *key, PyObject *value)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_ValueError, "cannot delete array elements");
        return -1;
    }
    PyObject *data = fast_data(self);
    if (data != NULL && is_scalar_value(value) && is_basic_key(key)) {
        PyObject *v = SLOT(self, off_version);
        if (v != NULL && PyList_CheckExact(v) && PyList_GET_SIZE(v) >= 1) {
            if (PyObject_SetItem(data, key, value) == 0)
                return bump_version(self);
            if (clear_exception() < 0)
                return -1;
        }
    }
    PyObject *r = PyObject_CallMethodObjArgs(self, str_setitem, key, value, NULL);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

static PyMappingMethods index_as_mapping = {
    NULL,                /* mp_length: the Python class's __len__ */
    index_subscript,     /* mp_subscript */
    index_ass_subscript, /* mp_ass_subscript */
};

static PyTypeObject IndexBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "trueno._cindex.IndexBase",
    .tp_doc = PyDoc_STR("Element access in C for the NumPy face's array class (a stateless "
                        "mixin; see trueno._cindex)."),
    .tp_basicsize = sizeof(PyObject),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_as_mapping = &index_as_mapping,
};

static Py_ssize_t
member_offset(PyObject *descr, const char *what)
{
    if (!Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "configure: %s must be a slot's member descriptor", what);
        return -1;
    }
    PyMemberDef *m = ((PyMemberDescrObject *)descr)->d_member;
    if (m->type != T_OBJECT_EX && m->type != T_OBJECT) {
        PyErr_Format(PyExc_TypeError, "configure: %s is not an object slot", what);
        return -1;
    }
    return m->offset;
}

PyDoc_STRVAR(configure_doc,
"configure(slots, cpu, ndarray, generic, int_types, dtype_type)\n\n"
"Set the slots the fast paths read and write (member descriptors of the array class for\n"
"_data, _ag, _device, _version, _dtype, _base), the CPU device object, numpy.ndarray,\n"
"numpy.generic, the NumPy integer scalar types used as keys and trueno's DType class.");

static PyObject *
configure(PyObject *Py_UNUSED(mod), PyObject *args)
{
    PyObject *slots, *cpu, *nd, *gen, *ints, *dt;
    if (!PyArg_ParseTuple(args, "O!OO!O!O!O!:configure", &PyTuple_Type, &slots, &cpu,
                          &PyType_Type, &nd, &PyType_Type, &gen, &PyTuple_Type, &ints,
                          &PyType_Type, &dt))
        return NULL;
    static const char *names[6] = {"_data", "_ag", "_device", "_version", "_dtype", "_base"};
    Py_ssize_t offs[6];
    if (PyTuple_GET_SIZE(slots) != 6) {
        PyErr_SetString(PyExc_ValueError, "configure: slots must hold 6 member descriptors");
        return NULL;
    }
    for (int i = 0; i < 6; i++) {
        offs[i] = member_offset(PyTuple_GET_ITEM(slots, i), names[i]);
        if (offs[i] < 0)
            return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(ints);
    if (n > MAX_INT_TYPES) {
        PyErr_SetString(PyExc_ValueError, "configure: too many integer types");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyType_Check(PyTuple_GET_ITEM(ints, i))) {
            PyErr_SetString(PyExc_TypeError, "configure: int_types must hold types");
            return NULL;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyTuple_GET_ITEM(ints, i);
        Py_INCREF(t);
        Py_XSETREF(int_types[i], (PyTypeObject *)t);
    }
    n_int_types = (int)n;
    Py_INCREF(cpu);
    Py_XSETREF(cpu_device, cpu);
    Py_INCREF(nd);
    Py_XSETREF(nd_type, (PyTypeObject *)nd);
    Py_INCREF(gen);
    Py_XSETREF(generic_type, (PyTypeObject *)gen);
    Py_INCREF(dt);
    Py_XSETREF(dtype_type, (PyTypeObject *)dt);
    off_ag = offs[1];
    off_device = offs[2];
    off_version = offs[3];
    off_dtype = offs[4];
    off_base = offs[5];
    off_data = offs[0]; /* last: the fast paths are on once everything is set */
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"configure", configure, METH_VARARGS, configure_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef cindex_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "trueno._cindex",
    .m_doc = PyDoc_STR("Element access of the NumPy face's arrays in C (issue 14)."),
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__cindex(void)
{
    if (PyType_Ready(&IndexBaseType) < 0)
        return NULL;
    str_getitem = PyUnicode_InternFromString("_getitem");
    str_setitem = PyUnicode_InternFromString("_setitem");
    str_row = PyUnicode_InternFromString("_row");
    str_getitem_op = PyUnicode_InternFromString("getitem");
    str_key = PyUnicode_InternFromString("key");
    if (str_getitem == NULL || str_setitem == NULL || str_row == NULL ||
        str_getitem_op == NULL || str_key == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&cindex_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&IndexBaseType);
    if (PyModule_AddObject(m, "IndexBase", (PyObject *)&IndexBaseType) < 0) {
        Py_DECREF(&IndexBaseType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
