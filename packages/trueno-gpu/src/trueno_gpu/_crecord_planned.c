/* trueno_gpu._crecord's ``Planned``: a planned elementwise kernel's common case in C (issue 18).
 *
 * ``_elementwise.planned_kernel`` makes a Python closure per op (``unary(x)``/``binary(x, y)``)
 * that looks its operands' layout up in the plan table, packs the metadata and calls the
 * runtime's ``record_new``: ~1.5-2 us of Python per op on lavapipe's host, as much as the
 * recording. A ``Planned`` wraps that closure and does the same in C when each operand is a
 * plain ``StridedArray`` on non-lazy storage or (one of two) a float, an int or a NumPy
 * scalar of ``_elementwise._SCALARS``, their
 * layout has a plan, the plan's op does not extend a lazy chain (the operands' buffers are not
 * the runtime's chain head), and the plan's runtime has the C ``Recorder`` as its
 * ``record_new`` (so ``use_c_record(rt, False)`` turns this path off too). It then records
 * through that Recorder directly, sets the chain head as the closure does, and returns the
 * result array; every other call is the closure's, unchanged.
 */
#include "_crecord.h"

#include <math.h>

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *fallback, *tag, *plans, *lazy_flags, *words_fn, *scalar_types;
    PyObject *last_obj, *last_sdt, *last_words; /* the last scalar and its metadata words */
    PyTypeObject *sa_type, *lazy_type, *storage_type;
    Py_ssize_t off_storage, off_offset, off_shape, off_strides, off_dtype;
    Py_ssize_t off_buffer, off_device_index;
    int arity;
} Planned;

static PyObject *s_on, *s_head, *s_record_new;

static PyObject *
planned_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Planned *p = (Planned *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs != p->arity)
        goto python;
    PyObject *xs[2], *st[2], *scalar = NULL;
    long offs[2];
    int na = 0, scalar_at = -1;
    for (int i = 0; i < p->arity; i++) {
        PyObject *x = args[i];
        if (Py_TYPE(x) != p->sa_type) { /* a Python float or int beside an array */
            if (p->arity != 2 || scalar != NULL || p->words_fn == NULL ||
                !(PyFloat_CheckExact(x) || PyLong_CheckExact(x) ||
                  (p->scalar_types != NULL &&
                   PySequence_Contains(p->scalar_types, (PyObject *)Py_TYPE(x)) == 1)))
                goto python;
            scalar = x;
            scalar_at = i;
            continue;
        }
        PyObject *s = SLOT(x, p->off_storage), *o = SLOT(x, p->off_offset);
        if (s == NULL || Py_TYPE(s) == p->lazy_type || !PyObject_TypeCheck(s, p->storage_type) ||
            o == NULL || !PyLong_CheckExact(o))
            goto python;
        offs[na] = PyLong_AsLong(o);
        if (offs[na] < 0) {
            PyErr_Clear();
            goto python;
        }
        if (SLOT(s, p->off_buffer) == NULL || SLOT(s, p->off_device_index) == NULL)
            goto python;
        xs[na] = x;
        st[na++] = s;
    }
    if (na == 0)
        goto python;
    /* the closure's key: (tag, then per operand: shape, strides, dtype, offset & 3, device
       index of an array; None for the scalar) */
    PyObject *key = PyTuple_New(1 + 5 * na + (scalar != NULL));
    if (key == NULL)
        return NULL;
    PyTuple_SET_ITEM(key, 0, Py_NewRef(p->tag));
    for (int i = 0, j = 0, pos = 1; i < p->arity; i++) {
        if (i == scalar_at) {
            PyTuple_SET_ITEM(key, pos++, Py_NewRef(Py_None));
            continue;
        }
        PyObject *x = xs[j], *items[5] = {SLOT(x, p->off_shape), SLOT(x, p->off_strides),
                                          SLOT(x, p->off_dtype), NULL,
                                          SLOT(st[j], p->off_device_index)};
        items[3] = PyLong_FromLong(offs[j++] & 3);
        for (int k = 0; k < 5; k++) {
            if (items[k] == NULL) {
                Py_DECREF(key);
                if (k == 3)
                    return NULL;
                goto python;
            }
            if (k != 3)
                Py_INCREF(items[k]);
            PyTuple_SET_ITEM(key, pos++, items[k]);
        }
    }
    PyObject *plan = PyDict_GetItemWithError(p->plans, key);
    Py_DECREF(key);
    if (plan == NULL) {
        if (PyErr_Occurred())
            return NULL;
        goto python;
    }
    if (!PyTuple_CheckExact(plan) || PyTuple_GET_SIZE(plan) != 15)
        goto python;
    /* (held: Python code the recording runs may clear the plan table) */
    Py_INCREF(plan);
    /* rt, kern, shape, strides, dtype, cls, nbytes, pack, n, tail, grid, cost, _, _, lazy */
    PyObject *rt = PyTuple_GET_ITEM(plan, 0), *tail = PyTuple_GET_ITEM(plan, 9);
    if (!PyTuple_CheckExact(tail))
        goto python_plan;
    int lazy = PyObject_IsTrue(PyTuple_GET_ITEM(plan, 14));
    if (lazy < 0)
        goto fail_plan;
    if (lazy) {
        PyObject *on = PyDict_GetItemWithError(p->lazy_flags, s_on);
        if (on == NULL && PyErr_Occurred())
            goto fail_plan;
        lazy = on != NULL && PyObject_IsTrue(on) == 1;
    }
    PyObject *rt_dict = PyObject_GenericGetDict(rt, NULL);
    if (rt_dict == NULL)
        goto fail_plan;
    PyObject *rec = PyDict_GetItemWithError(rt_dict, s_record_new);
    PyObject *head = lazy ? PyDict_GetItemWithError(rt_dict, s_head) : NULL;
    if (PyErr_Occurred()) {
        Py_DECREF(rt_dict);
        goto fail_plan;
    }
    if (rec == NULL || Py_TYPE(rec) != &RecorderType)
        goto python_dict; /* this runtime records in Python */
    for (int i = 0; head != NULL && i < na; i++)
        if (SLOT(st[i], p->off_buffer) == head)
            goto python_dict; /* the op extends the runtime's chain (``_lazy``) */
    Py_INCREF(rec);
    /* the scalar's metadata words, as the closure's ``_words``: a float32 computation's one
       word is the scalar's float32 bits (``struct.pack("<f", v)``: round to nearest; an
       overflow or a value that is no number goes to ``_words``); else ``_words``, kept for
       the last scalar object and scalar dtype (the closure keeps its own such cache) */
    PyObject *words_t = NULL, *inputs = NULL, *storage = NULL, *out = NULL, *data = NULL;
    if (scalar != NULL) {
        PyObject *sdt = PyTuple_GET_ITEM(plan, 13), *f32 = PyTuple_GET_ITEM(plan, 12);
        if (f32 == Py_True) {
            double d = PyFloat_AsDouble(scalar);
            float f = (float)d;
            if (d == -1.0 && PyErr_Occurred())
                PyErr_Clear();
            else if (!(isinf(f) && !isinf(d))) {
                uint32_t bits;
                memcpy(&bits, &f, 4);
                words_t = PyTuple_New(1);
                if (words_t == NULL)
                    goto done;
                PyObject *w = PyLong_FromUnsignedLong(bits);
                if (w == NULL)
                    goto done;
                PyTuple_SET_ITEM(words_t, 0, w);
            }
        }
        if (words_t != NULL) {
            /* (the float32 word) */
        } else if (p->last_obj == scalar && p->last_sdt == sdt) {
            words_t = Py_NewRef(p->last_words);
        } else {
            PyObject *w = PyObject_CallFunctionObjArgs(p->words_fn, scalar, f32, sdt, NULL);
            if (w == NULL)
                goto done;
            words_t = PySequence_Tuple(w);
            Py_DECREF(w);
            if (words_t == NULL)
                goto done;
            Py_XSETREF(p->last_obj, Py_NewRef(scalar));
            Py_XSETREF(p->last_sdt, Py_NewRef(sdt));
            Py_XSETREF(p->last_words, Py_NewRef(words_t));
        }
    }
    /* the metadata: pack(n, 0, array offsets..., *words, *tail) */
    Py_ssize_t ntail = PyTuple_GET_SIZE(tail), nwords = words_t ? PyTuple_GET_SIZE(words_t) : 0;
    Py_ssize_t nw = 2 + na + nwords + ntail;
    PyObject *small[16], **words = small;
    if (nw > 16 && (words = PyMem_Malloc(nw * sizeof(PyObject *))) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *zero = PyLong_FromLong(0);
    words[0] = PyTuple_GET_ITEM(plan, 8);
    words[1] = zero;
    for (int i = 0; i < na; i++)
        words[2 + i] = SLOT(xs[i], p->off_offset);
    for (Py_ssize_t k = 0; k < nwords; k++)
        words[2 + na + k] = PyTuple_GET_ITEM(words_t, k);
    for (Py_ssize_t k = 0; k < ntail; k++)
        words[2 + na + nwords + k] = PyTuple_GET_ITEM(tail, k);
    data = PyObject_Vectorcall(PyTuple_GET_ITEM(plan, 7), words, nw, NULL);
    Py_DECREF(zero);
    if (words != small)
        PyMem_Free(words);
    if (data == NULL)
        goto done;
    inputs = PyTuple_New(na);
    if (inputs == NULL)
        goto done;
    for (int i = 0; i < na; i++) {
        PyObject *b = SLOT(st[i], p->off_buffer);
        Py_INCREF(b);
        PyTuple_SET_ITEM(inputs, i, b);
    }
    PyObject *call[7] = {PyTuple_GET_ITEM(plan, 5), PyTuple_GET_ITEM(plan, 6),
                         PyTuple_GET_ITEM(plan, 1), data, inputs, PyTuple_GET_ITEM(plan, 10),
                         PyTuple_GET_ITEM(plan, 11)};
    storage = recorder_call(rec, call, 7, NULL);
    if (storage == NULL)
        goto done;
    if (lazy) { /* rt._head = st.buffer */
        PyObject *b = PyObject_GetAttrString(storage, "buffer");
        if (b == NULL)
            goto done;
        int rc = PyDict_SetItem(rt_dict, s_head, b);
        Py_DECREF(b);
        if (rc < 0)
            goto done;
    }
    out = p->sa_type->tp_alloc(p->sa_type, 0);
    if (out == NULL)
        goto done;
    SLOT(out, p->off_storage) = Py_NewRef(storage);
    SLOT(out, p->off_offset) = PyLong_FromLong(0);
    SLOT(out, p->off_shape) = Py_NewRef(PyTuple_GET_ITEM(plan, 2));
    SLOT(out, p->off_strides) = Py_NewRef(PyTuple_GET_ITEM(plan, 3));
    SLOT(out, p->off_dtype) = Py_NewRef(PyTuple_GET_ITEM(plan, 4));
done:
    Py_XDECREF(words_t);
    Py_XDECREF(data);
    Py_XDECREF(inputs);
    Py_XDECREF(storage);
    Py_DECREF(rec);
    Py_DECREF(rt_dict);
    Py_DECREF(plan);
    return out;
fail_plan:
    Py_DECREF(plan);
    return NULL;
python_dict:
    Py_DECREF(rt_dict);
python_plan:
    Py_DECREF(plan);
python:
    return PyObject_Vectorcall(p->fallback, args, nargsf, kwnames);
}

static int
planned_traverse(Planned *p, visitproc visit, void *arg)
{
    Py_VISIT(p->fallback);
    Py_VISIT(p->tag);
    Py_VISIT(p->plans);
    Py_VISIT(p->lazy_flags);
    Py_VISIT(p->words_fn);
    Py_VISIT(p->scalar_types);
    Py_VISIT(p->last_obj);
    Py_VISIT(p->last_sdt);
    Py_VISIT(p->last_words);
    Py_VISIT(p->sa_type);
    Py_VISIT(p->lazy_type);
    Py_VISIT(p->storage_type);
    return 0;
}

static int
planned_clear(Planned *p)
{
    Py_CLEAR(p->fallback);
    Py_CLEAR(p->tag);
    Py_CLEAR(p->plans);
    Py_CLEAR(p->lazy_flags);
    Py_CLEAR(p->words_fn);
    Py_CLEAR(p->scalar_types);
    Py_CLEAR(p->last_obj);
    Py_CLEAR(p->last_sdt);
    Py_CLEAR(p->last_words);
    Py_CLEAR(p->sa_type);
    Py_CLEAR(p->lazy_type);
    Py_CLEAR(p->storage_type);
    return 0;
}

static void
planned_dealloc(Planned *p)
{
    PyObject_GC_UnTrack(p);
    planned_clear(p);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyObject *
planned_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *fallback, *tag, *plans, *sa, *sa_slots, *lazy, *stype, *st_slots, *flags;
    PyObject *wfn = NULL, *stypes = NULL;
    int arity;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Planned() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "OOiO!O!O!O!O!O!O!|OO!:Planned", &fallback, &tag, &arity,
                          &PyDict_Type, &plans, &PyType_Type, &sa, &PyTuple_Type, &sa_slots,
                          &PyType_Type, &lazy, &PyType_Type, &stype, &PyTuple_Type, &st_slots,
                          &PyDict_Type, &flags, &wfn, &PyTuple_Type, &stypes))
        return NULL;
    if ((arity != 1 && arity != 2) || PyTuple_GET_SIZE(sa_slots) != 5 ||
        PyTuple_GET_SIZE(st_slots) != 2) {
        PyErr_SetString(PyExc_ValueError, "Planned: arity 1 or 2, 5 array and 2 storage slots");
        return NULL;
    }
    Py_ssize_t offs[7];
    for (int i = 0; i < 7; i++) {
        PyObject *m = i < 5 ? PyTuple_GET_ITEM(sa_slots, i) : PyTuple_GET_ITEM(st_slots, i - 5);
        if ((offs[i] = member_offset(m)) < 0)
            return NULL;
    }
    Planned *p = (Planned *)type->tp_alloc(type, 0);
    if (p == NULL)
        return NULL;
    p->vectorcall = planned_call;
    p->fallback = Py_NewRef(fallback);
    p->tag = Py_NewRef(tag);
    p->plans = Py_NewRef(plans);
    p->lazy_flags = Py_NewRef(flags);
    p->words_fn = Py_XNewRef(wfn); /* (none: a scalar operand goes to the closure) */
    p->scalar_types = Py_XNewRef(stypes);
    p->sa_type = (PyTypeObject *)Py_NewRef(sa);
    p->lazy_type = (PyTypeObject *)Py_NewRef(lazy);
    p->storage_type = (PyTypeObject *)Py_NewRef(stype);
    p->off_storage = offs[0];
    p->off_offset = offs[1];
    p->off_shape = offs[2];
    p->off_strides = offs[3];
    p->off_dtype = offs[4];
    p->off_buffer = offs[5];
    p->off_device_index = offs[6];
    p->arity = arity;
    return (PyObject *)p;
}

static PyObject *
planned_get_wrapped(Planned *p, void *closure)
{
    return Py_NewRef(p->fallback);
}

static PyGetSetDef planned_getset[] = {
    {"__wrapped__", (getter)planned_get_wrapped, NULL, "the Python closure", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(planned_doc,
"Planned(fallback, tag, arity, plans, array_type, array_slots, lazy_type, storage_type, "
"storage_slots, lazy_flags, words, scalar_types)\n--\n\n"
"A planned elementwise kernel (``fallback``: its Python closure) whose common\n"
"case runs in C (see trueno_gpu/_crecord_planned.c). ``array_slots``: the member descriptors\n"
"storage, offset, shape, strides, dtype of ``array_type``; ``storage_slots``: buffer and\n"
"device_index of ``storage_type``, the GPU storages' base; ``lazy_flags``: ``_lazy.ENABLED``;\n"
"``words(v, f32, sdt)``: a scalar operand's metadata words; ``scalar_types``: the scalar\n"
"classes taken besides float and int (NumPy's).");

PyTypeObject PlannedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "trueno_gpu._crecord.Planned",
    .tp_basicsize = sizeof(Planned),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = planned_doc,
    .tp_new = planned_new,
    .tp_dealloc = (destructor)planned_dealloc,
    .tp_traverse = (traverseproc)planned_traverse,
    .tp_clear = (inquiry)planned_clear,
    .tp_vectorcall_offset = offsetof(Planned, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_getset = planned_getset,
};

int
planned_intern(void)
{
    if ((s_on = PyUnicode_InternFromString("on")) == NULL ||
        (s_head = PyUnicode_InternFromString("_head")) == NULL ||
        (s_record_new = PyUnicode_InternFromString("record_new")) == NULL)
        return -1;
    return 0;
}
