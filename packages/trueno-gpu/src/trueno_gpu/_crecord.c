/* trueno_gpu._crecord: the common case of ``Runtime.record_new`` in C (issue 18).
 *
 * ``c = a + b`` of two small GPU tensors is host-bound: ~3.4 us of its ~5.5 us (lavapipe's
 * host) were ``record_new``'s Python (the lock, the pool's free list, the storage object, the
 * metadata arena, the bind-group cache, three ABI-mode cffi calls and the counters), and the
 * cffi calls alone ~0.5-0.75 us each (libffi plus a GIL release per call). A ``Recorder`` is
 * installed as a runtime's ``record_new`` (an instance attribute shadowing the method) and does
 * that work in C when
 *
 *   - it gets the runtime's lock without waiting (``lock.acquire(False)``: another thread that
 *     holds it may be inside a GIL-releasing call such as a blocking poll, so the Python path
 *     waits for it instead); the lock is held until the end, also across the Python calls,
 *   - no lazy chain is pending and a compute pass is open,
 *   - the result's size class has a free buffer (released buffers are first moved to their
 *     free lists, as ``BufferPool._collect`` does: in the fixed order by id),
 *   - the metadata is in the batch's arena or fits in it, and the bind group is cached,
 *   - the raw-call globals of ``_record`` are the wgpu-native functions (a probe that wraps
 *     them to count calls sees every call),
 *
 * and hands the call unchanged to the Python method otherwise (before changing any state but
 * the free lists). It updates exactly the state the Python method does (``_count``,
 * ``dispatches``, ``_pending``, ``_last_pipe``/``_last_bg``/``_last_off``, the pool's
 * ``_allocated`` and free lists, ``_meta_offsets`` and the arena) and calls the Python
 * ``_submit_point``/``_flush`` at the same points.
 *
 * wgpu-native is called through the function pointers of wgpu-py's cffi ``lib`` (no link
 * against it), without releasing the GIL (these calls only append to the pass's command list).
 * A handle is read from its cffi pointer object: cffi's ``CDataObject`` starts with the object
 * header, its ctype and, for a pointer, the pointer value itself; ``Recorder()`` checks that
 * layout on probe objects made by the same ``ffi`` and refuses to be built otherwise (the
 * runtime then keeps the Python method).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <structmember.h>

typedef void (*set_pipeline_fn)(void *, void *);
typedef void (*set_bind_group_fn)(void *, uint32_t, void *, size_t, const uint32_t *);
typedef void (*dispatch_fn)(void *, uint32_t, uint32_t, uint32_t);

/* cffi's CDataObject: header, ctype, data (for a pointer cdata: the pointer value) */
typedef struct {
    PyObject_HEAD
    void *c_type;
    char *c_data;
} CDataHead;

static PyObject *s_chain, *s_pass, *s_meta_offsets, *s_arena, *s_align, *s_ARENA_BYTES,
    *s_META_BYTES, *s_EAGER_COST, *s_bind_groups, *s_last_pipe, *s_last_bg, *s_last_off,
    *s_count, *s_dispatches, *s_pending, *s_submit_at, *s_submit_point, *s_flush, *s_internal,
    *s_size, *s_allocated, *s_reserved, *s_g_pipeline, *s_g_bind_group, *s_g_dispatch;

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *rt, *rt_dict, *pool, *pool_dict, *released, *popleft, *free_lists;
    PyObject *acquire, *release, *fallback, *globals, *g_pipeline, *g_bind_group, *g_dispatch;
    PyTypeObject *storage_type, *cdata_type;
    Py_ssize_t off_buffer, off_nbytes, off_device_index, off_version, off_pool;
    PyObject *index;
    set_pipeline_fn set_pipeline;
    set_bind_group_fn set_bind_group;
    dispatch_fn dispatch;
} Recorder;

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

/* the pointer held by cffi pointer object ``o``; 0 when ``o`` is not one, or NULL */
static inline int
handle(Recorder *r, PyObject *o, void **out)
{
    if (!PyObject_TypeCheck(o, r->cdata_type))
        return 0;
    *out = ((CDataHead *)o)->c_data;
    return *out != NULL;
}

/* an int attribute of a dict as a long long; 0 when absent or not an int (no error set) */
static inline int
dict_ll(PyObject *d, PyObject *name, long long *out)
{
    PyObject *v = PyDict_GetItemWithError(d, name);
    if (v == NULL || !PyLong_CheckExact(v)) {
        PyErr_Clear();
        return 0;
    }
    int overflow;
    *out = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow || (*out == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

static inline int
set_ll(PyObject *d, PyObject *name, long long v)
{
    PyObject *o = PyLong_FromLongLong(v);
    if (o == NULL)
        return -1;
    int rc = PyDict_SetItem(d, name, o);
    Py_DECREF(o);
    return rc;
}

static inline int
class_ll(PyObject *obj, PyObject *name, long long *out)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL) {
        PyErr_Clear();
        return 0;
    }
    int overflow;
    *out = PyLong_Check(v) ? PyLong_AsLongLongAndOverflow(v, &overflow) : (overflow = 1, 0);
    Py_DECREF(v);
    if (overflow || (*out == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* ``BufferPool._collect`` (lock held): released buffers to the free lists of their size class,
   each list in increasing id order. -1 on error. */
static int
collect(Recorder *r)
{
    while (Py_SIZE(r->released) > 0) { /* (a deque's length) */
        PyObject *b = PyObject_CallNoArgs(r->popleft);
        if (b == NULL)
            return -1;
        int rc = -1;
        PyObject *size = PyObject_GetAttr(b, s_size), *internal = NULL, *alloc = NULL;
        PyObject *sub = NULL;
        if (size == NULL)
            goto done;
        alloc = PyDict_GetItemWithError(r->pool_dict, s_allocated);
        if (alloc == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_AttributeError, "gpu: the pool has no _allocated");
            goto done;
        }
        sub = PyNumber_Subtract(alloc, size);
        if (sub == NULL || PyDict_SetItem(r->pool_dict, s_allocated, sub) < 0)
            goto done;
        internal = PyObject_GetAttr(b, s_internal);
        if (internal == NULL)
            goto done;
        if (internal == Py_None) { /* finalized by the cycle collector: never handed out */
            PyObject *res = PyDict_GetItemWithError(r->pool_dict, s_reserved);
            if (res == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_AttributeError, "gpu: the pool has no reserved");
                goto done;
            }
            PyObject *v = PyNumber_Subtract(res, size);
            if (v == NULL)
                goto done;
            rc = PyDict_SetItem(r->pool_dict, s_reserved, v);
            Py_DECREF(v);
            goto done;
        }
        PyObject *free = PyDict_GetItemWithError(r->free_lists, size);
        if (free == NULL) {
            if (PyErr_Occurred())
                goto done;
            PyObject *l = PyList_New(1);
            if (l == NULL)
                goto done;
            Py_INCREF(b);
            PyList_SET_ITEM(l, 0, b);
            rc = PyDict_SetItem(r->free_lists, size, l);
            Py_DECREF(l);
            goto done;
        }
        if (!PyList_CheckExact(free)) {
            PyErr_SetString(PyExc_TypeError, "gpu: a free list is not a list");
            goto done;
        }
        /* bisect.insort(free, b, key=id): after every smaller-or-equal id */
        Py_ssize_t lo = 0, hi = PyList_GET_SIZE(free);
        uintptr_t key = (uintptr_t)b;
        while (lo < hi) {
            Py_ssize_t mid = (lo + hi) / 2;
            if (key < (uintptr_t)PyList_GET_ITEM(free, mid))
                hi = mid;
            else
                lo = mid + 1;
        }
        rc = PyList_Insert(free, lo, b);
    done:
        Py_XDECREF(size);
        Py_XDECREF(internal);
        Py_XDECREF(sub);
        Py_DECREF(b);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static PyObject *
call_python(Recorder *r, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *small[12];
    PyObject **stack = small;
    if (nargs + nkw + 1 > 12) {
        stack = PyMem_Malloc((nargs + nkw + 1) * sizeof(PyObject *));
        if (stack == NULL)
            return PyErr_NoMemory();
    }
    stack[0] = r->rt;
    for (Py_ssize_t i = 0; i < nargs + nkw; i++)
        stack[i + 1] = args[i];
    PyObject *res = PyObject_Vectorcall(r->fallback, stack, nargs + 1, kwnames);
    if (stack != small)
        PyMem_Free(stack);
    return res;
}

static int
unlock(Recorder *r)
{
    PyObject *res = PyObject_CallNoArgs(r->release);
    if (res == NULL)
        return -1;
    Py_DECREF(res);
    return 0;
}

/* record_new(cls, nbytes, kernel, data, inputs, grid, cost=0): see the module comment */
static PyObject *
recorder_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Recorder *r = (Recorder *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs < 6 || nargs > 7)
        return call_python(r, args, nargsf, kwnames);
    PyObject *cls = args[0], *nbytes = args[1], *kernel = args[2], *data = args[3];
    PyObject *inputs = args[4], *grid = args[5];
    long long cost = 0;
    if (nargs == 7) {
        int overflow;
        if (!PyLong_CheckExact(args[6]))
            return call_python(r, args, nargsf, kwnames);
        cost = PyLong_AsLongLongAndOverflow(args[6], &overflow);
        if (overflow)
            return call_python(r, args, nargsf, kwnames);
    }
    /* a probe wrapping the raw calls: the Python path, which calls the wrappers */
    if (PyDict_GetItemWithError(r->globals, s_g_pipeline) != r->g_pipeline ||
        PyDict_GetItemWithError(r->globals, s_g_bind_group) != r->g_bind_group ||
        PyDict_GetItemWithError(r->globals, s_g_dispatch) != r->g_dispatch) {
        if (PyErr_Occurred())
            return NULL;
        return call_python(r, args, nargsf, kwnames);
    }
    if (!PyTuple_CheckExact(kernel) || PyTuple_GET_SIZE(kernel) != 2 ||
        !PyTuple_CheckExact(inputs) || !PyTuple_CheckExact(grid) ||
        PyTuple_GET_SIZE(grid) != 3 || !PyBytes_CheckExact(data) || !PyLong_CheckExact(cls))
        return call_python(r, args, nargsf, kwnames);
    uint32_t g[3];
    for (int i = 0; i < 3; i++) {
        PyObject *v = PyTuple_GET_ITEM(grid, i);
        unsigned long x = PyLong_CheckExact(v) ? PyLong_AsUnsignedLong(v) : (unsigned long)-1;
        if (x == (unsigned long)-1 || x > 0xFFFFFFFFul) {
            PyErr_Clear();
            return call_python(r, args, nargsf, kwnames); /* the Python path raises */
        }
        g[i] = (uint32_t)x;
    }
    PyObject *got = PyObject_CallOneArg(r->acquire, Py_False);
    if (got == NULL)
        return NULL;
    Py_DECREF(got);
    if (got != Py_True) /* another thread holds the lock: wait for it in Python */
        return call_python(r, args, nargsf, kwnames);

    PyObject *d = r->rt_dict, *st = NULL, *off_obj = NULL, *key = NULL, *buf;
    PyObject *pipe = PyTuple_GET_ITEM(kernel, 0), *bgl = PyTuple_GET_ITEM(kernel, 1);
    void *h, *bg_h, *pipe_h = NULL;
    long long count, dispatches, pending, submit_at, eager, off;
    int new_meta = 0;
    PyObject *v = PyDict_GetItemWithError(d, s_chain);
    if (v == NULL || v != Py_None)
        goto python;
    v = PyDict_GetItemWithError(d, s_pass);
    if (v == NULL || !handle(r, v, &h))
        goto python;
    if (Py_SIZE(r->released) > 0 && collect(r) < 0)
        goto error;
    PyObject *free = PyDict_GetItemWithError(r->free_lists, cls);
    if (free == NULL || !PyList_CheckExact(free) || PyList_GET_SIZE(free) == 0)
        goto python;
    buf = PyList_GET_ITEM(free, PyList_GET_SIZE(free) - 1);
    /* the metadata's slice of the arena */
    PyObject *offsets = PyDict_GetItemWithError(d, s_meta_offsets);
    PyObject *arena = PyDict_GetItemWithError(d, s_arena);
    if (offsets == NULL || !PyDict_CheckExact(offsets) || arena == NULL ||
        !PyByteArray_CheckExact(arena))
        goto python;
    off_obj = PyDict_GetItemWithError(offsets, data);
    if (off_obj != NULL) {
        int overflow;
        Py_INCREF(off_obj);
        off = PyLong_CheckExact(off_obj) ? PyLong_AsLongLongAndOverflow(off_obj, &overflow) : -1;
        if (off < 0 || overflow) {
            PyErr_Clear();
            goto python;
        }
    } else {
        long long align, arena_bytes, meta_bytes, len = PyByteArray_GET_SIZE(arena);
        if (PyErr_Occurred() || !dict_ll(d, s_align, &align) || align <= 0 ||
            !class_ll(r->rt, s_ARENA_BYTES, &arena_bytes) ||
            !class_ll(r->rt, s_META_BYTES, &meta_bytes))
            goto python;
        off = (align - len % align) % align + len;
        if (off + meta_bytes > arena_bytes) /* the Python path flushes the batch first */
            goto python;
        new_meta = 1;
    }
    /* the bind group (cached), the pipeline's handle, the counters */
    PyObject *groups = PyDict_GetItemWithError(d, s_bind_groups);
    if (groups == NULL || !PyDict_CheckExact(groups))
        goto python;
    Py_ssize_t nin = PyTuple_GET_SIZE(inputs);
    key = PyTuple_New(nin + 2);
    if (key == NULL)
        goto error;
    Py_INCREF(bgl);
    PyTuple_SET_ITEM(key, 0, bgl);
    Py_INCREF(buf);
    PyTuple_SET_ITEM(key, 1, buf);
    for (Py_ssize_t i = 0; i < nin; i++) {
        PyObject *x = PyTuple_GET_ITEM(inputs, i);
        Py_INCREF(x);
        PyTuple_SET_ITEM(key, i + 2, x);
    }
    PyObject *bg = PyDict_GetItemWithError(groups, key);
    if (bg == NULL) {
        if (PyErr_Occurred())
            goto error;
        goto python;
    }
    if (!handle(r, bg, &bg_h))
        goto python;
    PyObject *last_pipe = PyDict_GetItemWithError(d, s_last_pipe);
    if (last_pipe == NULL)
        goto python;
    if (pipe != last_pipe) {
        PyObject *internal = PyObject_GetAttr(pipe, s_internal);
        if (internal == NULL) {
            PyErr_Clear();
            goto python;
        }
        int ok = handle(r, internal, &pipe_h);
        Py_DECREF(internal);
        if (!ok)
            goto python;
    }
    PyObject *last_bg = PyDict_GetItemWithError(d, s_last_bg);
    PyObject *last_off = PyDict_GetItemWithError(d, s_last_off);
    if (last_bg == NULL || last_off == NULL || !dict_ll(d, s_count, &count) ||
        !dict_ll(d, s_dispatches, &dispatches) || !dict_ll(d, s_pending, &pending) ||
        !dict_ll(d, s_submit_at, &submit_at) || !class_ll(r->rt, s_EAGER_COST, &eager))
        goto python;
    int same_off = 0;
    if (last_off != Py_None) {
        int overflow;
        long long lo = PyLong_CheckExact(last_off) ?
            PyLong_AsLongLongAndOverflow(last_off, &overflow) : -1;
        PyErr_Clear();
        same_off = lo == off;
    }
    if (new_meta) {
        off_obj = PyLong_FromLongLong(off);
        if (off_obj == NULL)
            goto error;
    }

    /* -- from here on the state changes, as in the Python method -- */
    st = r->storage_type->tp_alloc(r->storage_type, 0);
    if (st == NULL)
        goto error;
    Py_INCREF(buf);
    if (PyList_SetSlice(free, PyList_GET_SIZE(free) - 1, PyList_GET_SIZE(free), NULL) < 0) {
        Py_DECREF(buf);
        goto error;
    }
    SLOT(st, r->off_buffer) = buf; /* (the list's reference, moved) */
    Py_INCREF(nbytes);
    SLOT(st, r->off_nbytes) = nbytes;
    Py_INCREF(r->index);
    SLOT(st, r->off_device_index) = r->index;
    SLOT(st, r->off_version) = PyLong_FromLong(0);
    Py_INCREF(r->pool);
    SLOT(st, r->off_pool) = r->pool;
    PyObject *alloc = PyDict_GetItemWithError(r->pool_dict, s_allocated);
    if (alloc == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_AttributeError, "gpu: the pool has no _allocated");
        goto error;
    }
    PyObject *sum = PyNumber_Add(alloc, cls);
    if (sum == NULL)
        goto error;
    int rc = PyDict_SetItem(r->pool_dict, s_allocated, sum);
    Py_DECREF(sum);
    if (rc < 0)
        goto error;
    if (new_meta) {
        Py_ssize_t len = PyByteArray_GET_SIZE(arena), n = PyBytes_GET_SIZE(data);
        if (PyByteArray_Resize(arena, (Py_ssize_t)off + n) < 0)
            goto error;
        char *p = PyByteArray_AS_STRING(arena);
        memset(p + len, 0, (size_t)(off - len));
        memcpy(p + off, PyBytes_AS_STRING(data), (size_t)n);
        if (PyDict_SetItem(offsets, data, off_obj) < 0)
            goto error;
    }
    if (pipe_h != NULL) {
        r->set_pipeline(h, pipe_h);
        if (PyDict_SetItem(d, s_last_pipe, pipe) < 0)
            goto error;
    }
    if (bg != last_bg || !same_off) {
        uint32_t off32 = (uint32_t)off;
        r->set_bind_group(h, 0, bg_h, 1, &off32);
        Py_INCREF(bg); /* (the dict may drop it in the set below) */
        rc = PyDict_SetItem(d, s_last_bg, bg);
        Py_DECREF(bg);
        if (rc < 0 || PyDict_SetItem(d, s_last_off, off_obj) < 0)
            goto error;
    }
    r->dispatch(h, g[0], g[1], g[2]);
    if (set_ll(d, s_count, count + 1) < 0 || set_ll(d, s_dispatches, dispatches + 1) < 0 ||
        set_ll(d, s_pending, pending + cost) < 0)
        goto error;
    Py_CLEAR(key);
    Py_CLEAR(off_obj);
    if (count + 1 >= submit_at || pending + cost >= eager) {
        PyObject *res = PyObject_CallMethodNoArgs(
            r->rt, count + 1 >= submit_at ? s_submit_point : s_flush);
        if (res == NULL)
            goto error;
        Py_DECREF(res);
    }
    if (unlock(r) < 0) {
        Py_DECREF(st);
        return NULL;
    }
    return st;

python:
    PyErr_Clear();
    Py_XDECREF(key);
    Py_XDECREF(off_obj);
    if (unlock(r) < 0)
        return NULL;
    return call_python(r, args, nargsf, kwnames);
error:
    Py_XDECREF(key);
    Py_XDECREF(off_obj);
    Py_XDECREF(st);
    {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyObject *res = PyObject_CallNoArgs(r->release);
        Py_XDECREF(res);
        if (res == NULL)
            PyErr_Clear();
        PyErr_Restore(et, ev, tb);
    }
    return NULL;
}

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
static Py_ssize_t
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
"Recorder(rt, fallback, globals, raw_calls, storage_type, storage_slots, pointers, probes)\n"
"--\n\n"
"``rt.record_new`` in C for the common case (see trueno_gpu._crecord); every other call goes\n"
"to ``fallback(rt, ...)``, the Python method. ``globals``: the dict holding the raw-call names\n"
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
    if (!PyArg_ParseTuple(args, "OOO!O!O!O!O!O!:Recorder", &rt, &fallback, &PyDict_Type,
                          &globals, &PyTuple_Type, &raw, &PyType_Type, &stype, &PyTuple_Type,
                          &slots, &PyTuple_Type, &ptrs, &PyTuple_Type, &probes))
        return NULL;
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

static PyTypeObject RecorderType = {
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

static struct PyModuleDef crecord_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "trueno_gpu._crecord",
    .m_doc = PyDoc_STR("Runtime.record_new's common case in C (issue 18)."),
    .m_size = -1,
};

#define INTERN(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return NULL

PyMODINIT_FUNC
PyInit__crecord(void)
{
    INTERN(s_chain, "_chain");
    INTERN(s_pass, "_pass");
    INTERN(s_meta_offsets, "_meta_offsets");
    INTERN(s_arena, "_arena");
    INTERN(s_align, "align");
    INTERN(s_ARENA_BYTES, "ARENA_BYTES");
    INTERN(s_META_BYTES, "META_BYTES");
    INTERN(s_EAGER_COST, "EAGER_COST");
    INTERN(s_bind_groups, "_bind_groups");
    INTERN(s_last_pipe, "_last_pipe");
    INTERN(s_last_bg, "_last_bg");
    INTERN(s_last_off, "_last_off");
    INTERN(s_count, "_count");
    INTERN(s_dispatches, "dispatches");
    INTERN(s_pending, "_pending");
    INTERN(s_submit_at, "_submit_at");
    INTERN(s_submit_point, "_submit_point");
    INTERN(s_flush, "_flush");
    INTERN(s_internal, "_internal");
    INTERN(s_size, "_size");
    INTERN(s_allocated, "_allocated");
    INTERN(s_reserved, "reserved");
    INTERN(s_g_pipeline, "_set_pipeline");
    INTERN(s_g_bind_group, "_set_bind_group");
    INTERN(s_g_dispatch, "_dispatch_workgroups");
    if (PyType_Ready(&RecorderType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&crecord_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&RecorderType);
    if (PyModule_AddObject(m, "Recorder", (PyObject *)&RecorderType) < 0) {
        Py_DECREF(&RecorderType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
