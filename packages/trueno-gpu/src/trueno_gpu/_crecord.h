/* Shared by the C files of trueno_gpu._crecord: the record path (_crecord.c), the Recorder
 * type, the storage finalizer and the module (_crecord_setup.c), and the planned elementwise
 * kernels' common case (_crecord_planned.c). */
#ifndef TRUENO_GPU_CRECORD_H
#define TRUENO_GPU_CRECORD_H

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

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *rt, *rt_dict, *pool, *pool_dict, *released, *popleft, *free_lists;
    PyObject *acquire, *release, *fallback, *globals, *g_pipeline, *g_bind_group, *g_dispatch;
    PyTypeObject *storage_type, *cdata_type;
    Py_ssize_t off_buffer, off_nbytes, off_device_index, off_version, off_pool;
    PyObject *index;
    PyObject *name; /* the method it is: "record_new" (mode 0) or "record" (mode 1) */
    int mode;
    set_pipeline_fn set_pipeline;
    set_bind_group_fn set_bind_group;
    dispatch_fn dispatch;
} Recorder;

#define SLOT(o, off) (*(PyObject **)((char *)(o) + (off)))

/* ``Recorder.__call__`` (vectorcall): ``record_new(cls, nbytes, kernel, data, inputs, grid,
   cost=0)`` or ``record(kernel, data, buffers, grid, cost=0)`` (_crecord.c) */
PyObject *recorder_call(PyObject *self, PyObject *const *args, size_t nargsf,
                        PyObject *kwnames);
/* intern the attribute names the record path reads; -1 on error (_crecord.c) */
int crecord_intern(void);
/* the same for ``Planned`` (_crecord_planned.c) */
int planned_intern(void);
/* the slot offset of member descriptor ``m``; -1 with an error when it is not an object slot
   (_crecord_setup.c) */
Py_ssize_t member_offset(PyObject *m);
extern PyTypeObject RecorderType; /* (_crecord_setup.c) */
extern PyTypeObject PlannedType;  /* (_crecord_planned.c) */

#endif
