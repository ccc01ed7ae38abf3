/*
 * checks.h -- the array checks of the engine's Python glue (_integrate.c and
 * the test hooks of _engine_tests.c).  Include after numpy/arrayobject.h.
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
        PyErr_Format(PyExc_ValueError,
                     "%s must be an aligned C-contiguous array of the right dtype", name);
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

#endif /* ENDORPHIN_CHECKS_H */
