/*
 * _ufuncs.c -- NumPy ufunc glue for endorphin's dose-response kernels.
 *
 * All maths lives in csrc/kernels/ (pure C).  This file holds
 *   1. generic strided inner loops, one per C signature, that receive the
 *      kernel's function pointer through the ufunc's `data` slot (the
 *      scipy.special pattern), so adding a function adds no loop code;
 *   2. ONE descriptor table that lists every ufunc: name, arity, loops, doc;
 *   3. module initialisation, which registers the table with one checked loop.
 *
 * Loops never touch the Python C API: NumPy runs non-object loops with the GIL
 * released.  Domain errors are reported through the IEEE invalid flag raised
 * by the kernels (see dose_response.h), which NumPy inspects after the loop.
 * Docstrings are numpydoc text kept in endorphin/_docstrings.py and turned
 * into endorphin_docs.h by setup.py at build time (never edit that header).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Keep in sync with the runtime floor `numpy>=1.25` in pyproject.toml: the
 * module is built against NumPy 2 headers and must import on NumPy 1.25+. */
#define NPY_NO_DEPRECATED_API NPY_1_25_API_VERSION
#define NPY_TARGET_VERSION NPY_1_25_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include "kernels/dose_response.h"
#include "endorphin_docs.h"

/* ------------------------------------------------------------------------- */
/* GENERIC INNER LOOPS                                                        */
/* ------------------------------------------------------------------------- */
/*
 * Naming: loop_<in types>_<out types>.  `data` is the kernel pointer.  The
 * float32 loops evaluate the double kernel and round once, which gives a
 * float32 result that is correctly rounded in all but rare ties.
 * Strides are honoured for every argument; NumPy hands us aligned,
 * native-byte-order data (it buffers anything else).
 */
typedef double (*kernel_dddd_d)(double, double, double, double);

static void
loop_dddd_d(char **args, npy_intp const *dimensions, npy_intp const *steps,
            void *data)
{
    const kernel_dddd_d f = (kernel_dddd_d)data;
    const npy_intp n = dimensions[0];
    char *a0 = args[0], *a1 = args[1], *a2 = args[2], *a3 = args[3];
    char *o0 = args[4];
    const npy_intp s0 = steps[0], s1 = steps[1], s2 = steps[2], s3 = steps[3];
    const npy_intp so = steps[4];

    for (npy_intp i = 0; i < n; i++) {
        *(double *)o0 = f(*(double *)a0, *(double *)a1, *(double *)a2,
                          *(double *)a3);
        a0 += s0; a1 += s1; a2 += s2; a3 += s3; o0 += so;
    }
}

static void
loop_ffff_f(char **args, npy_intp const *dimensions, npy_intp const *steps,
            void *data)
{
    const kernel_dddd_d f = (kernel_dddd_d)data;
    const npy_intp n = dimensions[0];
    char *a0 = args[0], *a1 = args[1], *a2 = args[2], *a3 = args[3];
    char *o0 = args[4];
    const npy_intp s0 = steps[0], s1 = steps[1], s2 = steps[2], s3 = steps[3];
    const npy_intp so = steps[4];

    for (npy_intp i = 0; i < n; i++) {
        *(float *)o0 = (float)f(*(float *)a0, *(float *)a1, *(float *)a2,
                                *(float *)a3);
        a0 += s0; a1 += s1; a2 += s2; a3 += s3; o0 += so;
    }
}

/* ------------------------------------------------------------------------- */
/* PER-UFUNC TABLES (all static: NumPy keeps the pointers)                   */
/* ------------------------------------------------------------------------- */

/* hill(c, emax, ec50, n) -> effect */
static PyUFuncGenericFunction hill_funcs[] = {loop_ffff_f, loop_dddd_d};
static void *hill_data[] = {(void *)endo_hill, (void *)endo_hill};
/*  c,          emax,       ec50,       n,          effect     */
static const char hill_types[] = {
    NPY_FLOAT,  NPY_FLOAT,  NPY_FLOAT,  NPY_FLOAT,  NPY_FLOAT,
    NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE,
};

/* ------------------------------------------------------------------------- */
/* THE DESCRIPTOR TABLE                                                       */
/* ------------------------------------------------------------------------- */
typedef struct {
    const char *name;
    const char *signature;        /* NULL for elementwise ufuncs */
    const char *doc;
    int nin;
    int nout;
    int ntypes;
    PyUFuncGenericFunction *funcs;
    void **data;
    const char *types;
} endo_ufunc_descriptor;

#define ENDO_NTYPES(funcs) ((int)(sizeof(funcs) / sizeof((funcs)[0])))

static const endo_ufunc_descriptor ufunc_descriptors[] = {
    {"hill", NULL, ENDO_DOC_hill, 4, 1, ENDO_NTYPES(hill_funcs),
     hill_funcs, hill_data, hill_types},
};

/* ------------------------------------------------------------------------- */
/* MODULE INITIALISATION                                                      */
/* ------------------------------------------------------------------------- */
static int
add_ufuncs(PyObject *module)
{
    const size_t count = sizeof(ufunc_descriptors) / sizeof(ufunc_descriptors[0]);
    for (size_t i = 0; i < count; i++) {
        const endo_ufunc_descriptor *d = &ufunc_descriptors[i];
        /* NumPy's prototype takes non-const pointers but only reads them. */
        PyObject *f = PyUFunc_FromFuncAndDataAndSignature(
            d->funcs, d->data, (char *)d->types, d->ntypes, d->nin, d->nout,
            PyUFunc_None, d->name, d->doc, 0, d->signature);
        if (f == NULL) {
            return -1;
        }
        if (PyModule_AddObjectRef(module, d->name, f) < 0) {
            Py_DECREF(f);
            return -1;
        }
        Py_DECREF(f);
    }
    return 0;
}

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "endorphin._ufuncs",
    .m_doc = "Compiled dose-response ufuncs of endorphin (see endorphin.hill).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__ufuncs(void)
{
    PyObject *module = NULL;

    if (PyArray_ImportNumPyAPI() < 0) {
        return NULL;
    }
    if (PyUFunc_ImportUFuncAPI() < 0) {
        return NULL;
    }
    module = PyModule_Create(&moduledef);
    if (module == NULL) {
        goto fail;
    }
    if (add_ufuncs(module) < 0) {
        goto fail;
    }
#ifdef Py_GIL_DISABLED
    /* No mutable C globals: the module is safe without the GIL. */
    if (PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED) < 0) {
        goto fail;
    }
#endif
    return module;

fail:
    Py_XDECREF(module);
    return NULL;
}
