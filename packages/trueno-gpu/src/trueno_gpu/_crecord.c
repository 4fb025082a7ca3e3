/* trueno_gpu._crecord: the common case of ``Runtime.record_new`` and ``Runtime.record`` in C
 * (issue 18).
 *
 * ``c = a + b`` of two small GPU tensors is host-bound: ~3.4 us of its ~5.5 us (lavapipe's
 * host) were ``record_new``'s Python (the lock, the pool's free list, the storage object, the
 * metadata arena, the bind-group cache, three ABI-mode cffi calls and the counters), and the
 * cffi calls alone ~0.5-0.75 us each (libffi plus a GIL release per call). A ``Recorder`` is
 * installed as a runtime's ``record_new`` (an instance attribute shadowing the method) and does
 * that work in C; another (mode 1) as its ``record`` (the same without the new result: most
 * launches of a training step). Each does it in C when
 *
 *   - the method was not replaced on the runtime's class since (a test or probe wrapping it
 *     to count calls gets them all),
 *   - it gets the runtime's lock without waiting (``lock.acquire(False)``: another thread that
 *     holds it may be inside a GIL-releasing call such as a blocking poll, so the Python path
 *     waits for it instead); the lock is held until the end, also across the Python calls,
 *   - no lazy chain is pending and a compute pass is open,
 *   - (record_new) the result's size class has a free buffer (released buffers are first moved
 *     to their free lists, as ``BufferPool._collect`` does: in the fixed order by id),
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
#include "_crecord.h"

static PyObject *s_chain, *s_pass, *s_meta_offsets, *s_arena, *s_align, *s_ARENA_BYTES,
    *s_META_BYTES, *s_EAGER_COST, *s_bind_groups, *s_last_pipe, *s_last_bg, *s_last_off,
    *s_count, *s_dispatches, *s_pending, *s_submit_at, *s_submit_point, *s_flush, *s_internal,
    *s_size, *s_allocated, *s_reserved, *s_g_pipeline, *s_g_bind_group, *s_g_dispatch;

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

/* ``func(rt, *args)``: the Python method (or what replaced it on the class) */
static PyObject *
call_method(Recorder *r, PyObject *func, PyObject *const *args, size_t nargsf,
            PyObject *kwnames)
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
    PyObject *res = PyObject_Vectorcall(func, stack, nargs + 1, kwnames);
    if (stack != small)
        PyMem_Free(stack);
    return res;
}

#define call_python(r, args, nargsf, kwnames) call_method(r, (r)->fallback, args, nargsf, kwnames)

static int
unlock(Recorder *r)
{
    PyObject *res = PyObject_CallNoArgs(r->release);
    if (res == NULL)
        return -1;
    Py_DECREF(res);
    return 0;
}

/* mode 0: ``record_new(cls, nbytes, kernel, data, inputs, grid, cost=0)``, returns the new
   result's storage; mode 1: ``record(kernel, data, buffers, grid, cost=0)``, returns None.
   See the module comment. */
PyObject *
recorder_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Recorder *r = (Recorder *)self;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf), base = r->mode ? 4 : 6;
    /* the method replaced on the class (a test or probe counting calls): call that */
    PyObject *current = PyObject_GetAttr((PyObject *)Py_TYPE(r->rt), r->name);
    if (current == NULL)
        return NULL;
    if (current != r->fallback) {
        PyObject *res = call_method(r, current, args, nargsf, kwnames);
        Py_DECREF(current);
        return res;
    }
    Py_DECREF(current);
    if (kwnames != NULL || nargs < base || nargs > base + 1)
        return call_python(r, args, nargsf, kwnames);
    PyObject *cls = NULL, *nbytes = NULL, *kernel, *data, *inputs, *grid;
    if (r->mode == 0) {
        cls = args[0];
        nbytes = args[1];
        kernel = args[2];
        data = args[3];
        inputs = args[4];
        grid = args[5];
        if (!PyLong_CheckExact(cls) || !PyTuple_CheckExact(inputs))
            return call_python(r, args, nargsf, kwnames);
    } else {
        kernel = args[0];
        data = args[1];
        inputs = args[2];
        grid = args[3];
        if (!PyTuple_CheckExact(inputs) && !PyList_CheckExact(inputs))
            return call_python(r, args, nargsf, kwnames);
    }
    long long cost = 0;
    if (nargs == base + 1) {
        int overflow;
        if (!PyLong_CheckExact(args[base]))
            return call_python(r, args, nargsf, kwnames);
        cost = PyLong_AsLongLongAndOverflow(args[base], &overflow);
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
        !PyTuple_CheckExact(grid) || PyTuple_GET_SIZE(grid) != 3 || !PyBytes_CheckExact(data))
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

    PyObject *d = r->rt_dict, *st = NULL, *off_obj = NULL, *key = NULL, *buf = NULL, *free = NULL;
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
    if (r->mode == 0) { /* the result's buffer: the last of its size class's free list */
        if (Py_SIZE(r->released) > 0 && collect(r) < 0)
            goto error;
        free = PyDict_GetItemWithError(r->free_lists, cls);
        if (free == NULL || !PyList_CheckExact(free) || PyList_GET_SIZE(free) == 0)
            goto python;
        buf = PyList_GET_ITEM(free, PyList_GET_SIZE(free) - 1);
    }
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
    /* (bgl, buf, *inputs) for a new result, (bgl, *buffers) for record */
    Py_ssize_t nin = PySequence_Fast_GET_SIZE(inputs), first = buf != NULL ? 2 : 1;
    PyObject **items = PySequence_Fast_ITEMS(inputs);
    key = PyTuple_New(nin + first);
    if (key == NULL)
        goto error;
    PyTuple_SET_ITEM(key, 0, Py_NewRef(bgl));
    if (buf != NULL)
        PyTuple_SET_ITEM(key, 1, Py_NewRef(buf));
    for (Py_ssize_t i = 0; i < nin; i++)
        PyTuple_SET_ITEM(key, i + first, Py_NewRef(items[i]));
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
    int rc;
    if (r->mode == 0) {
        st = r->storage_type->tp_alloc(r->storage_type, 0);
        if (st == NULL)
            goto error;
        Py_INCREF(buf);
        if (PyList_SetSlice(free, PyList_GET_SIZE(free) - 1, PyList_GET_SIZE(free), NULL) < 0) {
            Py_DECREF(buf);
            goto error;
        }
        SLOT(st, r->off_buffer) = buf; /* (the list's reference, moved) */
        SLOT(st, r->off_nbytes) = Py_NewRef(nbytes);
        SLOT(st, r->off_device_index) = Py_NewRef(r->index);
        SLOT(st, r->off_version) = PyLong_FromLong(0);
        SLOT(st, r->off_pool) = Py_NewRef(r->pool);
        PyObject *alloc = PyDict_GetItemWithError(r->pool_dict, s_allocated);
        if (alloc == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_AttributeError, "gpu: the pool has no _allocated");
            goto error;
        }
        PyObject *sum = PyNumber_Add(alloc, cls);
        if (sum == NULL)
            goto error;
        rc = PyDict_SetItem(r->pool_dict, s_allocated, sum);
        Py_DECREF(sum);
        if (rc < 0)
            goto error;
    } else {
        st = Py_NewRef(Py_None);
    }
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

#define INTERN(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return -1

int
crecord_intern(void)
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
    return 0;
}
