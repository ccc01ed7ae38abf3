/*
 * _engine_tests.c -- the engine's test-only extension (endorphin._engine_tests),
 * as NumPy keeps _umath_tests apart from its ufuncs.
 *
 * Importing it registers the test and benchmark models (test_models.c:
 * lotka_volterra, riccati, robertson, stiff_pk, w4_bench) with the engine
 * through endorphin._integrate's capsule (csrc/glue/engine_api.h), after
 * which endorphin.core.models lists them and endorphin.core.simulate runs
 * them.  It also holds the private test hooks: a model's right-hand side,
 * outputs, initial state, Jacobian and lane functions at one point, and the
 * models' vectorisable math functions.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_25_API_VERSION
#define NPY_TARGET_VERSION NPY_1_25_API_VERSION
#include <numpy/arrayobject.h>

#include <string.h>

#include "endo_math.h"
#include "glue/checks.h"
#include "glue/engine_api.h"
#include "models.h"

extern const endo_model *const endo_test_models[];     /* test_models.c */

/* The engine's C API, from the capsule (set at import). */
static const endo_engine_api *api = NULL;

/* One evaluation point of the private test entry points: the model, t, and
 * p, u (and y unless y_optional and None) checked against the model's sizes. */
typedef struct {
    const endo_model *m;
    double t;
    const double *y, *p, *u;    /* y is NULL when None was passed */
} point;

static int
parse_point(PyObject *args, int y_optional, point *pt)
{
    const char *name;
    PyObject *oy, *op, *ou;
    if (!PyArg_ParseTuple(args, "sdOOO", &name, &pt->t, &oy, &op, &ou)) {
        return -1;
    }
    pt->m = api->find_model(name);
    if (pt->m == NULL) {
        PyErr_Format(PyExc_ValueError, "no model %s", name);
        return -1;
    }
    npy_intp dp = pt->m->n_params, du = pt->m->n_inputs, ds = pt->m->n_states;
    PyArrayObject *p = checked(op, "p", NPY_DOUBLE, 1, &dp);
    PyArrayObject *u = p == NULL ? NULL : checked(ou, "u", NPY_DOUBLE, 1, &du);
    if (u == NULL) {
        return -1;
    }
    pt->p = PyArray_DATA(p);
    pt->u = PyArray_DATA(u);
    pt->y = NULL;
    if (oy == Py_None && y_optional) {
        return 0;
    }
    PyArrayObject *y = checked(oy, "y", NPY_DOUBLE, 1, &ds);
    if (y == NULL) {
        return -1;
    }
    pt->y = PyArray_DATA(y);
    return 0;
}

PyDoc_STRVAR(evaluate_doc,
"_evaluate(model, t, y, p, u) -> (dydt, outputs)\n\n"
"Private, for tests: the model's right-hand side and output function at one\n"
"point.  y is None: the model's initial state at t instead, returned as\n"
"(y0, None); ValueError when the model has none or finds none.");

static PyObject *
evaluate(PyObject *NPY_UNUSED(self), PyObject *args)
{
    point pt;
    if (parse_point(args, 1, &pt) < 0) {
        return NULL;
    }
    const endo_model *m = pt.m;
    npy_intp ds = m->n_states, dn = m->n_outputs;
    if (pt.y == NULL) {
        if (m->init == NULL) {
            PyErr_SetString(PyExc_ValueError, "the model has no initial-state function");
            return NULL;
        }
        PyArrayObject *y0 = (PyArrayObject *)PyArray_SimpleNew(1, &ds, NPY_DOUBLE);
        if (y0 == NULL) {
            return NULL;
        }
        if (m->init(pt.t, pt.p, pt.u, PyArray_DATA(y0)) != 0) {
            Py_DECREF(y0);
            PyErr_SetString(PyExc_ValueError, "the model found no initial state");
            return NULL;
        }
        return Py_BuildValue("(NO)", (PyObject *)y0, Py_None);
    }
    PyArrayObject *dy = (PyArrayObject *)PyArray_SimpleNew(1, &ds, NPY_DOUBLE);
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(1, &dn, NPY_DOUBLE);
    if (dy == NULL || out == NULL) {
        Py_XDECREF(dy);
        Py_XDECREF(out);
        return NULL;
    }
    m->rhs(pt.t, pt.y, pt.p, pt.u, PyArray_DATA(dy));
    m->output(pt.t, pt.y, pt.p, pt.u, PyArray_DATA(out));
    return Py_BuildValue("(NN)", (PyObject *)dy, (PyObject *)out);
}

PyDoc_STRVAR(evaluate_lanes_doc,
"_evaluate_lanes(model, t, y, p, u) -> (dydt, outputs)\n\n"
"Private, for tests: the model's lane right-hand side and lane output function\n"
"at ENDO_LANES points at once, in their structure-of-arrays layout: t (L,),\n"
"y (S, L), p (P, L), u (U, L) C-contiguous float64; dydt (S, L), outputs (O, L).\n"
"Either is None when the model has no such function.");

static PyObject *
evaluate_lanes(PyObject *NPY_UNUSED(self), PyObject *args)
{
    const char *name;
    PyObject *ot, *oy, *op, *ou;
    if (!PyArg_ParseTuple(args, "sOOOO", &name, &ot, &oy, &op, &ou)) {
        return NULL;
    }
    const endo_model *m = api->find_model(name);
    if (m == NULL) {
        PyErr_Format(PyExc_ValueError, "no model %s", name);
        return NULL;
    }
    npy_intp d1[1] = {ENDO_LANES};
    npy_intp dy2[2] = {m->n_states, ENDO_LANES}, dp2[2] = {m->n_params, ENDO_LANES};
    npy_intp du2[2] = {m->n_inputs, ENDO_LANES}, do2[2] = {m->n_outputs, ENDO_LANES};
    PyArrayObject *t = checked(ot, "t", NPY_DOUBLE, 1, d1);
    PyArrayObject *y = t == NULL ? NULL : checked(oy, "y", NPY_DOUBLE, 2, dy2);
    PyArrayObject *p = y == NULL ? NULL : checked(op, "p", NPY_DOUBLE, 2, dp2);
    PyArrayObject *u = p == NULL ? NULL : checked(ou, "u", NPY_DOUBLE, 2, du2);
    if (u == NULL) {
        return NULL;
    }
    double zeros[ENDO_LANES] = {0.0};
    const double *pu = m->n_inputs > 0 ? (const double *)PyArray_DATA(u) : zeros;
    PyObject *rd = Py_None, *ro = Py_None;
    Py_INCREF(rd);
    Py_INCREF(ro);
    if (m->rhs_lanes != NULL) {
        PyArrayObject *dy = (PyArrayObject *)PyArray_SimpleNew(2, dy2, NPY_DOUBLE);
        if (dy == NULL) {
            goto fail;
        }
        m->rhs_lanes(PyArray_DATA(t), PyArray_DATA(y), PyArray_DATA(p), pu, PyArray_DATA(dy));
        Py_DECREF(rd);                  /* (Py_SETREF is not in the limited API) */
        rd = (PyObject *)dy;
    }
    if (m->output_lanes != NULL) {
        PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(2, do2, NPY_DOUBLE);
        if (out == NULL) {
            goto fail;
        }
        m->output_lanes(PyArray_DATA(t), PyArray_DATA(y), PyArray_DATA(p), pu,
                        PyArray_DATA(out));
        Py_DECREF(ro);
        ro = (PyObject *)out;
    }
    return Py_BuildValue("(NN)", rd, ro);
fail:
    Py_DECREF(rd);
    Py_DECREF(ro);
    return NULL;
}

PyDoc_STRVAR(jacobian_doc,
"_jacobian(model, t, y, p, u) -> J or None\n\n"
"Private, for tests: the model's analytic Jacobian (S, S) at one point, or\n"
"None when the model has none.");

static PyObject *
jacobian(PyObject *NPY_UNUSED(self), PyObject *args)
{
    point pt;
    if (parse_point(args, 0, &pt) < 0) {
        return NULL;
    }
    if (pt.m->jac == NULL) {
        Py_RETURN_NONE;
    }
    npy_intp dims[2] = {pt.m->n_states, pt.m->n_states};
    PyArrayObject *J = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (J == NULL) {
        return NULL;
    }
    pt.m->jac(pt.t, pt.y, pt.p, pt.u, PyArray_DATA(J));
    return (PyObject *)J;
}

PyDoc_STRVAR(mathfn_doc,
"_mathfn(name, x, lanes) -> ndarray\n\n"
"Private, for tests: the models' vectorisable \"cos\", \"log\" or \"exp\"\n"
"(csrc/model/endo_math.h) of a 1-D array, one value at a time (lanes False) or,\n"
"for cos, ENDO_LANES at a time (True).");

static PyObject *
mathfn(PyObject *NPY_UNUSED(self), PyObject *args)
{
    const char *name;
    PyObject *o_x;
    int lanes;
    if (!PyArg_ParseTuple(args, "sOp", &name, &o_x, &lanes)) {
        return NULL;
    }
    const int which = strcmp(name, "cos") == 0 ? 0 : strcmp(name, "log") == 0 ? 1
                      : strcmp(name, "exp") == 0 ? 2 : -1;
    if (which < 0) {
        PyErr_Format(PyExc_ValueError, "no function %s", name);
        return NULL;
    }
    PyArrayObject *x = (PyArrayObject *)PyArray_FROMANY(o_x, NPY_DOUBLE, 1, 1,
                                                        NPY_ARRAY_IN_ARRAY);
    if (x == NULL) {
        return NULL;
    }
    const npy_intp n = PyArray_DIM(x, 0);
    PyArrayObject *y = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    if (y == NULL) {
        Py_DECREF(x);
        return NULL;
    }
    const double *px = PyArray_DATA(x);
    double *py = PyArray_DATA(y);
    npy_intp i = 0;
    if (lanes && which == 0) {
        for (; i + ENDO_LANES <= n; i += ENDO_LANES) {
            endo_cos_n(px + i, py + i, ENDO_LANES);
        }
    }
    for (; i < n; i++) {
        py[i] = which == 0 ? endo_cos(px[i]) : which == 1 ? endo_log(px[i]) : endo_exp(px[i]);
    }
    Py_DECREF(x);
    return (PyObject *)y;
}

static PyMethodDef methods[] = {
    {"_evaluate", evaluate, METH_VARARGS, evaluate_doc},
    {"_evaluate_lanes", evaluate_lanes, METH_VARARGS, evaluate_lanes_doc},
    {"_jacobian", jacobian, METH_VARARGS, jacobian_doc},
    {"_mathfn", mathfn, METH_VARARGS, mathfn_doc},
    {NULL, NULL, 0, NULL},
};

PyMODINIT_FUNC
PyInit__engine_tests(void)
{
    api = (const endo_engine_api *)PyCapsule_Import(ENDO_ENGINE_CAPSULE, 0);
    if (api == NULL) {
        return NULL;
    }
    if (api->version != ENDO_ENGINE_API_VERSION || api->model_size != sizeof(endo_model)
        || api->lanes != ENDO_LANES) {
        PyErr_SetString(PyExc_ImportError,
                        "endorphin._engine_tests was built for another endorphin._integrate");
        return NULL;
    }
    PyObject *module = endo_module_create(
        "endorphin._engine_tests",
        "Test models and test hooks of endorphin's ODE engine (tests only; "
        "importing it registers the models with endorphin.core).", methods);
    if (module == NULL) {
        return NULL;
    }
    if (api->register_models(endo_test_models) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
