/*
 * _integrate.c -- Python glue of the batched ODE engine (endorphin._integrate).
 *
 * The arrays arrive validated, converted and C-contiguous from
 * endorphin/core.py, by keyword; this file checks them once more (never trust
 * a private entry point with raw pointers), releases the GIL for the whole
 * integration and runs the subjects on the extensions' thread pool (pool.h:
 * subjects taken from a shared atomic counter, so uneven subjects do not idle
 * a thread; the calling thread integrates too and checks for signals every
 * 50 ms, so Ctrl-C stops a long run: every thread finishes its current
 * subject and stops).  Every subject is integrated independently, so any
 * thread count gives bitwise identical results.
 *
 * It also lists the registered models (_models) and exports the engine's C
 * API (engine_api.h) through which endorphin._engine_tests adds the test
 * models.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_25_API_VERSION
#define NPY_TARGET_VERSION NPY_1_25_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "engine_api.h"
#include "models.h"
#include "ode/engine.h"
#include "pool.h"

/* ------------------------------------------------------------------------- */
/* ARGUMENT CHECKS                                                            */
/* ------------------------------------------------------------------------- */

/* leading size must be 1 (shared: stride 0) or n (per subject) */
static int
per_subject_stride(PyArrayObject *a, const char *name, npy_intp n, size_t row,
                   size_t *stride)
{
    const npy_intp lead = PyArray_DIM(a, 0);
    if (lead == n) {
        *stride = row;
    }
    else if (lead == 1) {
        *stride = 0;
    }
    else {
        PyErr_Format(PyExc_ValueError, "%s has %zd rows; expected 1 or %zd", name,
                     (Py_ssize_t)lead, (Py_ssize_t)n);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* THE SUBJECTS ON THE POOL                                                   */
/* ------------------------------------------------------------------------- */
/* Subjects are taken in chunks to keep the counter cold, small enough that
 * the last chunks balance uneven subjects. */
#define CHUNK 4

_Static_assert(ENDO_POOL_DONE == ENDO_NO_SUBJECT, "the pool's end is the lanes' end");

/* The lane path's source of subjects: the pool (ENDO_POOL_DONE is
 * ENDO_NO_SUBJECT). */
static size_t
next_subject(void *feed)
{
    return endo_pool_next((endo_pool_feed *)feed);
}

/* One thread's share of the problem: its workspace, then the subjects the
 * pool hands out, side by side in lanes when the problem allows. */
static int
integrate_work(endo_pool_feed *feed, void *ctx)
{
    const endo_problem *prob = (const endo_problem *)ctx;
    const size_t lanes_ws = endo_lanes_workspace_size(prob);
    double *work = malloc((lanes_ws > 0 ? lanes_ws : endo_workspace_size(prob))
                          * sizeof(double));
    if (work == NULL) {
        return -1;
    }
    if (lanes_ws > 0) {
        endo_integrate_lanes(prob, next_subject, feed, work);
    }
    else {
        for (size_t i; (i = endo_pool_next(feed)) != ENDO_POOL_DONE;) {
            endo_integrate_subject(prob, i, work);
        }
    }
    free(work);
    return 0;
}

/* ------------------------------------------------------------------------- */
/* simulate                                                                   */
/* ------------------------------------------------------------------------- */
PyDoc_STRVAR(simulate_doc,
"_simulate(model, params, t_out, t0, breaks, inputs, dose_times, dose_states,\n"
"          dose_amounts, y0, out_idx, rtol, atol, max_steps, threads,\n"
"          y, status, n_rhs, n_accepted, n_rejected[, fixed_step, method,\n"
"          n_jac, used_stiff, summary, thresholds, tsit5, lanes, demand])\n\n"
"Private: use endorphin.core.simulate, which validates and converts the\n"
"arguments and passes them by name.  Fills y (N, n_sel, T), status (N,) and\n"
"the counters in place.  demand: None or a tuple (output, state, inclusive,\n"
"max_doses, window, threshold, amount, lockout, times, count): ints, a\n"
"float, (1 or N,) float64 arrays, times (N, capacity) and count (N,) int64\n"
"filled in place.");

/* The names of _simulate's arguments, in their positional order. */
static char *simulate_kwlist[] = {
    "model", "params", "t_out", "t0", "breaks", "inputs", "dose_times", "dose_states",
    "dose_amounts", "y0", "out_idx", "rtol", "atol", "max_steps", "threads",
    "y", "status", "n_rhs", "n_accepted", "n_rejected",
    /* optional */
    "fixed_step", "method", "n_jac", "used_stiff", "summary", "thresholds", "tsit5",
    "lanes", "demand", NULL,
};

/* on-demand dosing: the tuple `o` (see simulate_doc) into pb; -1 with an
 * exception set on a bad argument */
static int
demand_args(PyObject *o, endo_problem *pb, const endo_model *m, npy_intp N)
{
    long long out, state, maxd;
    int incl;
    double window;
    PyObject *o_thr, *o_amt, *o_lock, *o_times, *o_count;
    if (!PyTuple_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "demand must be a tuple or None");
        return -1;
    }
    if (!PyArg_ParseTuple(o, "LLpLdOOOOO;demand: (output, state, inclusive, max_doses, "
                          "window, threshold, amount, lockout, times, count)",
                          &out, &state, &incl, &maxd, &window, &o_thr, &o_amt, &o_lock,
                          &o_times, &o_count)) {
        return -1;
    }
    if (out < 0 || out >= m->n_outputs || state < 0 || state >= m->n_states) {
        PyErr_SetString(PyExc_ValueError, "demand output or state out of range");
        return -1;
    }
    if (maxd < 0 || maxd > 1000000 || !(window >= 0.0) || !isfinite(window)) {
        PyErr_SetString(PyExc_ValueError, "demand max_doses or window out of range");
        return -1;
    }
    const npy_intp any = -1;
    npy_intp d[2] = {any, any};
    PyArrayObject *thr, *amt, *lock, *times, *count;
    if ((thr = checked(o_thr, "demand threshold", NPY_DOUBLE, 1, d)) == NULL) return -1;
    if ((amt = checked(o_amt, "demand amount", NPY_DOUBLE, 1, d)) == NULL) return -1;
    if ((lock = checked(o_lock, "demand lockout", NPY_DOUBLE, 1, d)) == NULL) return -1;
    d[0] = N;
    if ((times = checked(o_times, "demand times", NPY_DOUBLE, 2, d)) == NULL) return -1;
    if ((count = checked(o_count, "demand count", NPY_INT64, 1, d)) == NULL) return -1;
    if (per_subject_stride(thr, "demand threshold", N, 1, &pb->demand_threshold_stride) < 0
        || per_subject_stride(amt, "demand amount", N, 1, &pb->demand_amount_stride) < 0
        || per_subject_stride(lock, "demand lockout", N, 1, &pb->demand_lockout_stride) < 0)
        return -1;
    const double *pl = PyArray_DATA(lock);
    for (npy_intp j = 0; j < PyArray_SIZE(lock); j++) {
        if (!(pl[j] > 0.0) || !isfinite(pl[j])) {
            /* a zero lockout would dose again and again at one time */
            PyErr_SetString(PyExc_ValueError, "demand lockout must be > 0 and finite");
            return -1;
        }
    }
    pb->demand_output = (int64_t)out;
    pb->demand_state = (int64_t)state;
    pb->demand_inclusive = incl;
    pb->demand_max = (int64_t)maxd;
    pb->demand_window = window;
    pb->demand_threshold = PyArray_DATA(thr);
    pb->demand_amount = PyArray_DATA(amt);
    pb->demand_lockout = pl;
    pb->demand_capacity = (size_t)PyArray_DIM(times, 1);
    pb->demand_times = PyArray_DATA(times);
    pb->demand_count = PyArray_DATA(count);
    return 0;
}

static PyObject *
simulate(PyObject *NPY_UNUSED(self), PyObject *args, PyObject *kwargs)
{
    const char *name;
    PyObject *o_params, *o_tout, *o_breaks, *o_inputs, *o_dt, *o_ds, *o_da, *o_y0;
    PyObject *o_idx, *o_y, *o_status, *o_rhs, *o_acc, *o_rej;
    double t0, rtol, atol, fixed_step = 0.0;
    long long max_steps;
    int threads, method = ENDO_METHOD_EXPLICIT, tsit5 = 0, lanes = 1;
    PyObject *o_jac = Py_None, *o_used = Py_None, *o_sum = Py_None, *o_thr = Py_None;
    PyObject *o_demand = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sOOdOOOOOOOddLiOOOOO|diOOOOppO",
                                     simulate_kwlist, &name, &o_params, &o_tout, &t0,
                                     &o_breaks, &o_inputs, &o_dt, &o_ds, &o_da, &o_y0,
                                     &o_idx, &rtol, &atol, &max_steps, &threads, &o_y,
                                     &o_status, &o_rhs, &o_acc, &o_rej, &fixed_step,
                                     &method, &o_jac, &o_used, &o_sum, &o_thr, &tsit5,
                                     &lanes, &o_demand)) {
        return NULL;
    }
    if (method != ENDO_METHOD_EXPLICIT && method != ENDO_METHOD_STIFF
        && method != ENDO_METHOD_AUTO) {
        PyErr_SetString(PyExc_ValueError, "method must be 0, 1 or 2");
        return NULL;
    }
    if (!(fixed_step >= 0.0) || !isfinite(fixed_step)) {
        PyErr_SetString(PyExc_ValueError, "fixed_step must be >= 0 and finite");
        return NULL;
    }
    const endo_model *m = endo_find_model(name);
    if (m == NULL) {
        PyObject *oname = PyUnicode_FromString(name);
        if (oname != NULL) {
            PyErr_Format(PyExc_ValueError, "unknown model %R", oname);
            Py_DECREF(oname);
        }
        return NULL;
    }
    if (!(rtol > 0.0) || !(atol >= 0.0) || max_steps < 1 || threads < 1) {
        PyErr_SetString(PyExc_ValueError, "rtol, atol, max_steps or threads out of range");
        return NULL;
    }
    const npy_intp any = -1;
    npy_intp d2[3];

    PyArrayObject *y = NULL, *status, *rhs, *acc, *rej, *params, *tout, *breaks;
    PyArrayObject *inputs, *dt, *ds, *da, *idx, *y0 = NULL;
    d2[0] = any; d2[1] = any; d2[2] = any;
    if ((y = checked(o_y, "y", NPY_DOUBLE, 3, d2)) == NULL) return NULL;
    const npy_intp N = PyArray_DIM(y, 0), NSEL = PyArray_DIM(y, 1), T = PyArray_DIM(y, 2);
    d2[0] = N;
    if ((status = checked(o_status, "status", NPY_INT8, 1, d2)) == NULL) return NULL;
    if ((rhs = checked(o_rhs, "n_rhs", NPY_INT64, 1, d2)) == NULL) return NULL;
    if ((acc = checked(o_acc, "n_accepted", NPY_INT64, 1, d2)) == NULL) return NULL;
    if ((rej = checked(o_rej, "n_rejected", NPY_INT64, 1, d2)) == NULL) return NULL;
    d2[0] = any; d2[1] = m->n_params;
    if ((params = checked(o_params, "params", NPY_DOUBLE, 2, d2)) == NULL) return NULL;
    d2[0] = T;
    if ((tout = checked(o_tout, "t_out", NPY_DOUBLE, 1, d2)) == NULL) return NULL;
    d2[0] = any;
    d2[1] = any;
    if ((breaks = checked(o_breaks, "breaks", NPY_DOUBLE, 2, d2)) == NULL) return NULL;
    const npy_intp B = PyArray_DIM(breaks, 1);
    d2[0] = any; d2[1] = B + 1; d2[2] = m->n_inputs;
    if ((inputs = checked(o_inputs, "inputs", NPY_DOUBLE, 3, d2)) == NULL) return NULL;
    d2[0] = any; d2[1] = any;
    if ((dt = checked(o_dt, "dose_times", NPY_DOUBLE, 2, d2)) == NULL) return NULL;
    const npy_intp D = PyArray_DIM(dt, 1);
    d2[0] = any; d2[1] = D;
    if ((ds = checked(o_ds, "dose_states", NPY_INT64, 2, d2)) == NULL) return NULL;
    d2[0] = any; d2[1] = D;
    if ((da = checked(o_da, "dose_amounts", NPY_DOUBLE, 2, d2)) == NULL) return NULL;
    d2[0] = NSEL;
    if ((idx = checked(o_idx, "out_idx", NPY_INT64, 1, d2)) == NULL) return NULL;
    if (o_y0 != Py_None) {
        d2[0] = any; d2[1] = m->n_states;
        if ((y0 = checked(o_y0, "y0", NPY_DOUBLE, 2, d2)) == NULL) return NULL;
    }
    /* indices in range (a bad index would write out of bounds) */
    const int64_t *pidx = (const int64_t *)PyArray_DATA(idx);
    for (npy_intp j = 0; j < NSEL; j++) {
        if (pidx[j] < 0 || pidx[j] >= m->n_outputs) {
            PyErr_SetString(PyExc_ValueError, "out_idx out of range");
            return NULL;
        }
    }
    const int64_t *pds = (const int64_t *)PyArray_DATA(ds);
    for (npy_intp j = 0; j < PyArray_SIZE(ds); j++) {
        if (pds[j] < 0 || pds[j] >= m->n_states) {
            PyErr_SetString(PyExc_ValueError, "dose_states out of range");
            return NULL;
        }
    }

    endo_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.model = m;
    pb.n_subjects = (size_t)N;
    pb.params = PyArray_DATA(params);
    if (per_subject_stride(params, "params", N, (size_t)m->n_params, &pb.params_stride) < 0)
        return NULL;
    if (y0 != NULL) {
        pb.y0 = PyArray_DATA(y0);
        if (per_subject_stride(y0, "y0", N, (size_t)m->n_states, &pb.y0_stride) < 0)
            return NULL;
    }
    pb.t0 = t0;
    pb.t_out = PyArray_DATA(tout);
    pb.n_times = (size_t)T;
    pb.breaks = PyArray_DATA(breaks);
    pb.n_breaks = (size_t)B;
    if (per_subject_stride(breaks, "breaks", N, (size_t)B, &pb.breaks_stride) < 0)
        return NULL;
    pb.inputs = PyArray_DATA(inputs);
    if (per_subject_stride(inputs, "inputs", N, (size_t)((B + 1) * m->n_inputs),
                           &pb.inputs_stride) < 0)
        return NULL;
    pb.n_doses = (size_t)D;
    pb.dose_times = PyArray_DATA(dt);
    if (per_subject_stride(dt, "dose_times", N, (size_t)D, &pb.dose_times_stride) < 0)
        return NULL;
    pb.dose_states = pds;
    if (per_subject_stride(ds, "dose_states", N, (size_t)D, &pb.dose_states_stride) < 0)
        return NULL;
    pb.dose_amounts = PyArray_DATA(da);
    if (per_subject_stride(da, "dose_amounts", N, (size_t)D, &pb.dose_amounts_stride) < 0)
        return NULL;
    pb.out_idx = pidx;
    pb.n_sel = (size_t)NSEL;
    pb.rtol = rtol;
    pb.atol = atol;
    pb.max_steps = (int64_t)max_steps;
    pb.fixed_step = fixed_step;
    pb.y = PyArray_DATA(y);
    pb.status = PyArray_DATA(status);
    pb.n_rhs = PyArray_DATA(rhs);
    pb.n_accepted = PyArray_DATA(acc);
    pb.n_rejected = PyArray_DATA(rej);
    pb.method = method;
    pb.tsit5 = tsit5;
    pb.lanes = lanes;
    d2[0] = N;
    if (o_jac != Py_None) {
        PyArrayObject *nj = checked(o_jac, "n_jac", NPY_INT64, 1, d2);
        if (nj == NULL) return NULL;
        pb.n_jac = PyArray_DATA(nj);
    }
    if (o_used != Py_None) {
        PyArrayObject *us = checked(o_used, "used_stiff", NPY_INT8, 1, d2);
        if (us == NULL) return NULL;
        pb.used_stiff = PyArray_DATA(us);
    }
    if (o_sum != Py_None) {
        npy_intp d3[3] = {N, NSEL, 6};
        PyArrayObject *sm = checked(o_sum, "summary", NPY_DOUBLE, 3, d3);
        if (sm == NULL) return NULL;
        PyArrayObject *th = checked(o_thr, "thresholds", NPY_DOUBLE, 1, &NSEL);
        if (th == NULL) return NULL;
        pb.summary = PyArray_DATA(sm);
        pb.thresholds = PyArray_DATA(th);
    }
    if (o_demand != Py_None) {
        if (pb.summary != NULL) {
            PyErr_SetString(PyExc_ValueError, "demand does not work with summary mode");
            return NULL;
        }
        if (demand_args(o_demand, &pb, m, N) < 0) {
            return NULL;
        }
    }
    if (N == 0) {
        Py_RETURN_NONE;
    }
    if (endo_pool_run(pb.n_subjects, CHUNK, threads, integrate_work, &pb) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------- */
/* models                                                                     */
/* ------------------------------------------------------------------------- */
static PyObject *
names_tuple(const char *const *names, int n)
{
    PyObject *t = PyTuple_New(n);
    if (t == NULL) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromString(names[i]);
        if (s == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SetItem(t, i, s);       /* a new tuple: cannot fail; steals s */
    }
    return t;
}

PyDoc_STRVAR(models_doc,
"_models()\n\nPrivate: the registered models as a list of tuples\n"
"(name, doc, states, params, inputs, outputs, has_init).");

static PyObject *
models(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    PyObject *lst = PyList_New(0);
    if (lst == NULL) {
        return NULL;
    }
    const int n = endo_model_count();
    for (int i = 0; i < n; i++) {
        const endo_model *m = endo_model_at(i);
        PyObject *item = Py_BuildValue(
            "(ssNNNNO)", m->name, m->doc,
            names_tuple(m->state_names, m->n_states),
            names_tuple(m->param_names, m->n_params),
            names_tuple(m->input_names, m->n_inputs),
            names_tuple(m->output_names, m->n_outputs),
            m->init != NULL ? Py_True : Py_False);
        if (item == NULL || PyList_Append(lst, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(lst);
            return NULL;
        }
        Py_DECREF(item);
    }
    return lst;
}

/* ------------------------------------------------------------------------- */
/* THE ENGINE'S C API (engine_api.h)                                          */
/* ------------------------------------------------------------------------- */
/* The callables endorphin.core gave _on_register: called after every
 * registration, so that core.models lists the new models. */
static PyObject *on_register = NULL;

static int
register_models(const endo_model *const *ms)
{
    for (int i = 0; ms[i] != NULL; i++) {
        const int rc = endo_register_model(ms[i]);
        if (rc == -1) {
            PyErr_Format(PyExc_ValueError, "a different model called %s is registered",
                         ms[i]->name);
            return -1;
        }
        if (rc < 0) {
            PyErr_SetString(PyExc_RuntimeError, "the model registry is full");
            return -1;
        }
    }
    if (on_register != NULL) {
        for (Py_ssize_t i = 0; i < PyList_Size(on_register); i++) {
            PyObject *r = PyObject_CallNoArgs(PyList_GetItem(on_register, i));
            if (r == NULL) {
                return -1;
            }
            Py_DECREF(r);
        }
    }
    return 0;
}

static const endo_engine_api engine_api = {
    ENDO_ENGINE_API_VERSION, sizeof(endo_model), ENDO_LANES, register_models,
    endo_find_model,
};

PyDoc_STRVAR(on_register_doc,
"_on_register(callback)\n\nPrivate: call callback() whenever an extension registers\n"
"models (endorphin.core refreshes core.models).");

static PyObject *
on_register_add(PyObject *NPY_UNUSED(self), PyObject *callback)
{
    if (!PyCallable_Check(callback)) {
        PyErr_SetString(PyExc_TypeError, "callback must be callable");
        return NULL;
    }
    if (on_register == NULL && (on_register = PyList_New(0)) == NULL) {
        return NULL;
    }
    if (PyList_Append(on_register, callback) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"_simulate", (PyCFunction)(void (*)(void))simulate, METH_VARARGS | METH_KEYWORDS,
     simulate_doc},
    {"_models", models, METH_NOARGS, models_doc},
    {"_on_register", on_register_add, METH_O, on_register_doc},
    {NULL, NULL, 0, NULL},
};

PyMODINIT_FUNC
PyInit__integrate(void)
{
    PyObject *module = endo_module_create(
        "endorphin._integrate",
        "The batched ODE engine of endorphin (use endorphin.core).", methods);
    if (module == NULL) {
        return NULL;
    }
    PyObject *capsule = PyCapsule_New((void *)&engine_api, ENDO_ENGINE_CAPSULE, NULL);
    if (capsule == NULL || PyModule_AddObject(module, "_engine_api", capsule) < 0) {
        Py_XDECREF(capsule);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
