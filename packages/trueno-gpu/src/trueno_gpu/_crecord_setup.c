/* trueno_gpu._crecord's Recorder type (built per runtime by ``_record.use_c_record``), the C
 * finalizer of the pool's storage objects, and the module (the record path: _crecord.c). */
#include "_crecord.h"

static int
recorder_traverse(Recorder *r, visitproc visit, void *arg)
{
    Py_VISIT(r->rt);
    Py_VISIT(r->rt_dict);
    Py_VISIT(r->pool);
    Py_VISIT(r->pool_dict);
    Py_VISIT(r->released);
    Py_VISIT(r->popleft);
    Py_VISIT(r->free_lists);
    Py_VISIT(r->acquire);
    Py_VISIT(r->release);
    Py_VISIT(r->fallback);
    Py_VISIT(r->globals);
    Py_VISIT(r->g_pipeline);
    Py_VISIT(r->g_bind_group);
    Py_VISIT(r->g_dispatch);
    Py_VISIT(r->storage_type);
    Py_VISIT(r->cdata_type);
    Py_VISIT(r->index);
    Py_VISIT(r->name);
    return 0;
}

static int
recorder_clear(Recorder *r)
{
    Py_CLEAR(r->rt);
    Py_CLEAR(r->rt_dict);
    Py_CLEAR(r->pool);
    Py_CLEAR(r->pool_dict);
    Py_CLEAR(r->released);
    Py_CLEAR(r->popleft);
    Py_CLEAR(r->free_lists);
    Py_CLEAR(r->acquire);
    Py_CLEAR(r->release);
    Py_CLEAR(r->fallback);
    Py_CLEAR(r->globals);
    Py_CLEAR(r->g_pipeline);
    Py_CLEAR(r->g_bind_group);
    Py_CLEAR(r->g_dispatch);
    Py_CLEAR(r->storage_type);
    Py_CLEAR(r->cdata_type);
    Py_CLEAR(r->index);
    Py_CLEAR(r->name);
    return 0;
}

static void
recorder_dealloc(Recorder *r)
{
    PyObject_GC_UnTrack(r);
    recorder_clear(r);
    Py_TYPE(r)->tp_free((PyObject *)r);
}

/* the slot offset of member descriptor ``m`` (a __slots__ entry of the storage class) */
Py_ssize_t
member_offset(PyObject *m)
{
    if (!PyObject_TypeCheck(m, &PyMemberDescr_Type)) {
        PyErr_SetString(PyExc_TypeError, "Recorder: a storage slot is not a member descriptor");
        return -1;
    }
    PyMemberDef *def = ((PyMemberDescrObject *)m)->d_member;
    if (def->type != T_OBJECT_EX) {
        PyErr_SetString(PyExc_TypeError, "Recorder: a storage slot is not an object slot");
        return -1;
    }
    return def->offset;
}

static void *
address(PyObject *o)
{
    void *p = PyLong_AsVoidPtr(o);
    if (p == NULL && !PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "Recorder: a NULL function pointer");
    return p;
}

PyDoc_STRVAR(recorder_doc,
"Recorder(rt, fallback, globals, raw_calls, storage_type, storage_slots, pointers, probes,\n"
"         mode=0)\n"
"--\n\n"
"``rt.record_new`` (mode 0) or ``rt.record`` (mode 1) in C for the common case (see\n"
"trueno_gpu._crecord); every other call goes to ``fallback(rt, ...)``, the Python method\n"
"(or to what replaced it on the runtime's class). ``globals``: the dict holding the raw-call names\n"
"``_set_pipeline``, ``_set_bind_group``, ``_dispatch_workgroups``; ``raw_calls``: their\n"
"values (cffi functions); ``storage_slots``: the member descriptors buffer, nbytes,\n"
"device_index, version, pool of ``storage_type``; ``pointers``: the three functions'\n"
"addresses; ``probes``: pairs (cffi pointer object, its address as an int) that check the\n"
"layout this module reads handles with.");

static PyObject *
recorder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *rt, *fallback, *globals, *raw, *stype, *slots, *ptrs, *probes;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Recorder() takes no keyword arguments");
        return NULL;
    }
    int mode = 0;
    if (!PyArg_ParseTuple(args, "OOO!O!O!O!O!O!|i:Recorder", &rt, &fallback, &PyDict_Type,
                          &globals, &PyTuple_Type, &raw, &PyType_Type, &stype, &PyTuple_Type,
                          &slots, &PyTuple_Type, &ptrs, &PyTuple_Type, &probes, &mode))
        return NULL;
    if (mode != 0 && mode != 1) {
        PyErr_SetString(PyExc_ValueError, "Recorder: mode 0 (record_new) or 1 (record)");
        return NULL;
    }
    if (PyTuple_GET_SIZE(raw) != 3 || PyTuple_GET_SIZE(slots) != 5 ||
        PyTuple_GET_SIZE(ptrs) != 3 || PyTuple_GET_SIZE(probes) < 1) {
        PyErr_SetString(PyExc_ValueError, "Recorder: wrong argument lengths");
        return NULL;
    }
    /* the cffi layout: each probe's pointer value where this module reads it */
    PyTypeObject *cdata_type = NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(probes); i++) {
        PyObject *pr = PyTuple_GET_ITEM(probes, i);
        if (!PyTuple_Check(pr) || PyTuple_GET_SIZE(pr) != 2) {
            PyErr_SetString(PyExc_ValueError, "Recorder: a probe is not a pair");
            return NULL;
        }
        PyObject *obj = PyTuple_GET_ITEM(pr, 0);
        void *want = PyLong_AsVoidPtr(PyTuple_GET_ITEM(pr, 1));
        if (want == NULL && PyErr_Occurred())
            return NULL;
        if (cdata_type == NULL)
            cdata_type = Py_TYPE(obj);
        if (Py_TYPE(obj) != cdata_type || Py_TYPE(obj)->tp_basicsize < (Py_ssize_t)sizeof(CDataHead) ||
            (void *)((CDataHead *)obj)->c_data != want) {
            PyErr_SetString(PyExc_ImportError,
                            "Recorder: cffi's pointer objects do not have the expected layout");
            return NULL;
        }
    }
    Py_ssize_t offs[5];
    for (int i = 0; i < 5; i++)
        if ((offs[i] = member_offset(PyTuple_GET_ITEM(slots, i))) < 0)
            return NULL;
    void *fp[3];
    for (int i = 0; i < 3; i++)
        if ((fp[i] = address(PyTuple_GET_ITEM(ptrs, i))) == NULL)
            return NULL;
    PyObject *rt_dict = PyObject_GenericGetDict(rt, NULL); /* (made now if not yet) */
    if (rt_dict == NULL)
        return NULL;
    Recorder *r = (Recorder *)type->tp_alloc(type, 0);
    if (r == NULL) {
        Py_DECREF(rt_dict);
        return NULL;
    }
    r->vectorcall = recorder_call;
    r->mode = mode;
    r->name = PyUnicode_InternFromString(mode ? "record" : "record_new");
    if (r->name == NULL) {
        Py_DECREF(rt_dict);
        Py_DECREF(r);
        return NULL;
    }
    Py_INCREF(rt);
    r->rt = rt;
    r->rt_dict = rt_dict;
    r->fallback = Py_NewRef(fallback);
    r->globals = Py_NewRef(globals);
    r->g_pipeline = Py_NewRef(PyTuple_GET_ITEM(raw, 0));
    r->g_bind_group = Py_NewRef(PyTuple_GET_ITEM(raw, 1));
    r->g_dispatch = Py_NewRef(PyTuple_GET_ITEM(raw, 2));
    r->storage_type = (PyTypeObject *)Py_NewRef(stype);
    r->cdata_type = (PyTypeObject *)Py_NewRef((PyObject *)cdata_type);
    r->off_buffer = offs[0];
    r->off_nbytes = offs[1];
    r->off_device_index = offs[2];
    r->off_version = offs[3];
    r->off_pool = offs[4];
    r->set_pipeline = (set_pipeline_fn)fp[0];
    r->set_bind_group = (set_bind_group_fn)fp[1];
    r->dispatch = (dispatch_fn)fp[2];
    PyObject *lock = NULL;
    if ((r->index = PyObject_GetAttrString(rt, "index")) == NULL ||
        (r->pool = PyObject_GetAttrString(rt, "pool")) == NULL ||
        (lock = PyObject_GetAttrString(rt, "lock")) == NULL ||
        (r->acquire = PyObject_GetAttrString(lock, "acquire")) == NULL ||
        (r->release = PyObject_GetAttrString(lock, "release")) == NULL ||
        (r->released = PyObject_GetAttrString(r->pool, "_released")) == NULL ||
        (r->popleft = PyObject_GetAttrString(r->released, "popleft")) == NULL ||
        (r->free_lists = PyObject_GetAttrString(r->pool, "_free")) == NULL)
        goto fail;
    Py_CLEAR(lock);
    /* the released deque's length is read as its Py_SIZE (CPython's deque keeps it there) */
    if (strcmp(Py_TYPE(r->released)->tp_name, "collections.deque") != 0 ||
        Py_SIZE(r->released) != PyObject_Size(r->released)) {
        PyErr_SetString(PyExc_ImportError, "Recorder: the pool's released buffers are not a "
                        "collections.deque");
        goto fail;
    }
    if ((r->pool_dict = PyObject_GenericGetDict(r->pool, NULL)) == NULL)
        goto fail;
    if (!PyDict_CheckExact(r->rt_dict) || !PyDict_CheckExact(r->pool_dict) ||
        !PyDict_CheckExact(r->free_lists)) {
        PyErr_SetString(PyExc_TypeError, "Recorder: the runtime, its pool or the free lists "
                        "are not plain dicts");
        goto fail;
    }
    return (PyObject *)r;
fail:
    Py_XDECREF(lock);
    Py_DECREF(r);
    return NULL;
}

PyTypeObject RecorderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "trueno_gpu._crecord.Recorder",
    .tp_basicsize = sizeof(Recorder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = recorder_doc,
    .tp_new = recorder_new,
    .tp_dealloc = (destructor)recorder_dealloc,
    .tp_traverse = (traverseproc)recorder_traverse,
    .tp_clear = (inquiry)recorder_clear,
    .tp_vectorcall_offset = offsetof(Recorder, vectorcall),
    .tp_call = PyVectorcall_Call,
};

/* ``_Storage.__del__`` in C: ``if not pool.closed: pool._released.append(self.buffer)``, as
   the Python method, without a Python frame per freed result (GC may run it on any thread at
   any point: like the Python method it only appends to the deque). */
static Py_ssize_t del_off_buffer = -1, del_off_pool = -1;
static PyObject *s_closed, *s_released, *s_append;

static PyObject *
storage_del(PyObject *self, PyObject *unused)
{
    PyObject *pool = SLOT(self, del_off_pool), *buf = SLOT(self, del_off_buffer);
    if (pool == NULL || buf == NULL) /* (never made whole) */
        Py_RETURN_NONE;
    PyObject *closed = PyObject_GetAttr(pool, s_closed);
    if (closed == NULL)
        return NULL;
    int is_closed = PyObject_IsTrue(closed);
    Py_DECREF(closed);
    if (is_closed != 0)
        return is_closed < 0 ? NULL : Py_NewRef(Py_None);
    PyObject *released = PyObject_GetAttr(pool, s_released);
    if (released == NULL)
        return NULL;
    PyObject *res = PyObject_CallMethodOneArg(released, s_append, buf);
    Py_DECREF(released);
    return res;
}

static PyMethodDef storage_del_def = {
    "__del__", storage_del, METH_NOARGS,
    PyDoc_STR("Return the buffer to its pool (lock-free: onto the released deque).")};

PyDoc_STRVAR(storage_finalizer_doc,
"storage_finalizer(cls)\n--\n\n"
"The C ``__del__`` (a method descriptor) of storage class ``cls``, whose slots ``buffer`` and\n"
"``pool`` it reads; one storage class per process.");

static PyObject *
storage_finalizer(PyObject *module, PyObject *cls)
{
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "storage_finalizer: cls must be a class");
        return NULL;
    }
    Py_ssize_t offs[2];
    const char *names[2] = {"buffer", "pool"};
    for (int i = 0; i < 2; i++) {
        PyObject *m = PyObject_GetAttrString(cls, names[i]);
        if (m == NULL)
            return NULL;
        offs[i] = member_offset(m);
        Py_DECREF(m);
        if (offs[i] < 0)
            return NULL;
    }
    del_off_buffer = offs[0];
    del_off_pool = offs[1];
    return PyDescr_NewMethod((PyTypeObject *)cls, &storage_del_def);
}

static PyMethodDef module_methods[] = {
    {"storage_finalizer", storage_finalizer, METH_O, storage_finalizer_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef crecord_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "trueno_gpu._crecord",
    .m_doc = PyDoc_STR("Runtime.record_new's common case in C (issue 18)."),
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__crecord(void)
{
    if (crecord_intern() < 0 || planned_intern() < 0)
        return NULL;
    if ((s_closed = PyUnicode_InternFromString("closed")) == NULL ||
        (s_released = PyUnicode_InternFromString("_released")) == NULL ||
        (s_append = PyUnicode_InternFromString("append")) == NULL)
        return NULL;
    if (PyType_Ready(&RecorderType) < 0 || PyType_Ready(&PlannedType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&crecord_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Recorder", (PyObject *)&RecorderType) < 0 ||
        PyModule_AddObjectRef(m, "Planned", (PyObject *)&PlannedType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
