/*
 * checks.h -- what the Python glue of the engine, the fitter and the engine's
 * test hooks share (_integrate.c, _fit.c, _engine_tests.c): the check of the
 * arrays a private entry point receives, and the module's creation.  Include
 * after numpy/arrayobject.h (each module has its own copy of NumPy's C API).
 */
#ifndef ENDORPHIN_CHECKS_H
#define ENDORPHIN_CHECKS_H

/* `obj` must be a C-contiguous ndarray of `type` with `ndim` dimensions whose
 * sizes match `dims` (-1: any).  Sets ValueError naming `name` otherwise. */
static inline PyArrayObject *
checked(PyObject *obj, const char *name, int type, int ndim, const npy_intp *dims)
{
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a numpy array", name);
        return NULL;
    }
    PyArrayObject *a = (PyArrayObject *)obj;
    if (PyArray_TYPE(a) != type || !PyArray_IS_C_CONTIGUOUS(a)
        || !PyArray_ISALIGNED(a) || PyArray_ISBYTESWAPPED(a)) {
        PyErr_Format(PyExc_ValueError, "%s must be an aligned C-contiguous %s array", name,
                     type == NPY_DOUBLE ? "float64" : type == NPY_INT64 ? "int64"
                     : type == NPY_INT8 ? "int8" : "numeric");
        return NULL;
    }
    if (PyArray_NDIM(a) != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must have %d dimensions, got %d", name,
                     ndim, PyArray_NDIM(a));
        return NULL;
    }
    for (int d = 0; d < ndim; d++) {
        if (dims[d] >= 0 && PyArray_DIM(a, d) != dims[d]) {
            PyErr_Format(PyExc_ValueError, "%s has size %zd along axis %d, expected %zd",
                         name, (Py_ssize_t)PyArray_DIM(a, d), d, (Py_ssize_t)dims[d]);
            return NULL;
        }
    }
    return a;
}

/* The module `name` with its doc and methods, after importing NumPy's C API;
 * NULL with an exception set.  Call once per extension (its PyInit): the
 * definition lives in this function's static storage, one per extension.
 * The modules keep no mutable state the GIL would protect. */
static inline PyObject *
endo_module_create(const char *name, const char *doc, PyMethodDef *methods)
{
    static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, .m_size = -1};
    def.m_name = name;
    def.m_doc = doc;
    def.m_methods = methods;
    if (PyArray_ImportNumPyAPI() < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&def);
    if (module == NULL) {
        return NULL;
    }
#ifdef Py_GIL_DISABLED
    if (PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED) < 0) {
        Py_DECREF(module);
        return NULL;
    }
#endif
    return module;
}

#endif /* ENDORPHIN_CHECKS_H */
