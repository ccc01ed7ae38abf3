/*
 * _integrate.c -- Python glue of the batched ODE engine (endorphin._integrate).
 *
 * The arrays arrive validated, converted and C-contiguous from
 * endorphin/core.py; this file checks them once more (never trust a private
 * entry point with raw pointers), releases the GIL for the whole integration,
 * and runs the subjects on a pool of POSIX threads that take subjects from a
 * shared atomic counter, so uneven subjects do not idle a thread.  Every
 * subject is integrated independently, so any thread count gives bitwise
 * identical results.  The calling thread waits in slices of 50 ms and takes
 * the GIL between slices to run Python's signal handlers: Ctrl-C stops a long
 * run (workers finish their current subject and stop).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_25_API_VERSION
#define NPY_TARGET_VERSION NPY_1_25_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <errno.h>
#include <pthread.h>
#include <time.h>
#define ENDO_HAVE_PTHREADS 1
#endif

#include "kernels/dopri5.h"
#include "kernels/endo_math.h"
#include "kernels/models.h"

/* ------------------------------------------------------------------------- */
/* ARGUMENT CHECKS                                                            */
/* ------------------------------------------------------------------------- */

/* `obj` must be a C-contiguous ndarray of `type` with `ndim` dimensions whose
 * sizes match `dims` (-1: any).  Sets ValueError naming `name` otherwise. */
static PyArrayObject *
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
/* THREAD POOL                                                                */
/* ------------------------------------------------------------------------- */
typedef struct {
    const endo_problem *prob;
    atomic_size_t next;             /* next subject to take */
    atomic_int cancel;              /* set on KeyboardInterrupt */
    atomic_int nomem;               /* a worker could not allocate */
    size_t ws_size;
#ifdef ENDO_HAVE_PTHREADS
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    int running;                    /* workers still running (under lock) */
#endif
} pool;

/* Subjects are taken in chunks to keep the counter cold, small enough that
 * the last chunks balance uneven subjects. */
#define CHUNK 4

/* The lane path's source of subjects: the pool's counter, CHUNK at a time;
 * none once cancelled. */
typedef struct {
    pool *pl;
    size_t cur, stop;
} feeder;

static size_t
feed_next(void *arg)
{
    feeder *f = (feeder *)arg;
    if (f->cur >= f->stop) {
        const size_t n = f->pl->prob->n_subjects;
        if (atomic_load(&f->pl->cancel)) {
            return ENDO_NO_SUBJECT;
        }
        const size_t start = atomic_fetch_add(&f->pl->next, CHUNK);
        if (start >= n) {
            return ENDO_NO_SUBJECT;
        }
        f->cur = start;
        f->stop = (start + CHUNK < n) ? start + CHUNK : n;
    }
    return f->cur++;
}

static void
run_worker(pool *pl)
{
    const size_t lanes_ws = endo_lanes_workspace_size(pl->prob);
    double *work = malloc((lanes_ws > 0 ? lanes_ws : pl->ws_size) * sizeof(double));
    if (work == NULL) {
        atomic_store(&pl->nomem, 1);
        return;
    }
    if (lanes_ws > 0) {
        feeder f = {pl, 0, 0};
        endo_integrate_lanes(pl->prob, feed_next, &f, work);
        free(work);
        return;
    }
    const size_t n = pl->prob->n_subjects;
    for (;;) {
        if (atomic_load(&pl->cancel)) {
            break;
        }
        const size_t start = atomic_fetch_add(&pl->next, CHUNK);
        if (start >= n) {
            break;
        }
        const size_t stop = (start + CHUNK < n) ? start + CHUNK : n;
        for (size_t i = start; i < stop; i++) {
            endo_integrate_subject(pl->prob, i, work);
        }
    }
    free(work);
}

#ifdef ENDO_HAVE_PTHREADS
static void *
worker_main(void *arg)
{
    pool *pl = (pool *)arg;
    run_worker(pl);
    pthread_mutex_lock(&pl->lock);
    pl->running--;
    pthread_cond_signal(&pl->done_cond);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}
#endif

/* Run the problem on `nthreads` threads with the GIL released.  Returns 0,
 * or -1 with a Python exception set (KeyboardInterrupt, MemoryError). */
static int
run_pool(const endo_problem *prob, int nthreads)
{
    pool pl;
    memset(&pl, 0, sizeof pl);
    pl.prob = prob;
    atomic_init(&pl.next, 0);
    atomic_init(&pl.cancel, 0);
    atomic_init(&pl.nomem, 0);
    pl.ws_size = endo_workspace_size(prob);
    int interrupted = 0;

#ifdef ENDO_HAVE_PTHREADS
    if ((size_t)nthreads > prob->n_subjects) {
        nthreads = prob->n_subjects > 0 ? (int)prob->n_subjects : 1;
    }
    pthread_t *tids = calloc((size_t)nthreads, sizeof(pthread_t));
    if (tids == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    pthread_mutex_init(&pl.lock, NULL);
    pthread_cond_init(&pl.done_cond, NULL);
    int started = 0;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&pl.lock);
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&tids[i], NULL, worker_main, &pl) == 0) {
            started++;
            pl.running++;
        }
    }
    pthread_mutex_unlock(&pl.lock);
    if (started == 0) {
        run_worker(&pl);                /* could not start a thread: do it here */
    }
    pthread_mutex_lock(&pl.lock);
    while (pl.running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec += 1;
            ts.tv_nsec -= 1000000000L;
        }
        const int rc = pthread_cond_timedwait(&pl.done_cond, &pl.lock, &ts);
        if (rc == ETIMEDOUT && !interrupted) {
            /* take the GIL to let Python run its signal handlers */
            pthread_mutex_unlock(&pl.lock);
            Py_BLOCK_THREADS
            if (PyErr_CheckSignals() < 0) {
                interrupted = 1;
                atomic_store(&pl.cancel, 1);
            }
            Py_UNBLOCK_THREADS
            pthread_mutex_lock(&pl.lock);
        }
    }
    pthread_mutex_unlock(&pl.lock);
    for (int i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
    }
    Py_END_ALLOW_THREADS
    pthread_cond_destroy(&pl.done_cond);
    pthread_mutex_destroy(&pl.lock);
    free(tids);
#else
    (void)nthreads;
    Py_BEGIN_ALLOW_THREADS
    run_worker(&pl);
    Py_END_ALLOW_THREADS
#endif
    if (interrupted) {
        return -1;                      /* KeyboardInterrupt already set */
    }
    if (atomic_load(&pl.nomem)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* simulate                                                                   */
/* ------------------------------------------------------------------------- */
PyDoc_STRVAR(simulate_doc,
"_simulate(model, params, t_out, t0, breaks, inputs, dose_times, dose_states,\n"
"          dose_amounts, y0, out_idx, rtol, atol, max_steps, threads,\n"
"          y, status, n_rhs, n_accepted, n_rejected[, fixed_step, method,\n"
"          n_jac, used_stiff, summary, thresholds, tsit5, lanes])\n\n"
"Private: use endorphin.core.simulate, which validates and converts the\n"
"arguments.  Fills y (N, n_sel, T), status (N,) and the counters in place.");

static PyObject *
simulate(PyObject *NPY_UNUSED(self), PyObject *args)
{
    const char *name;
    PyObject *o_params, *o_tout, *o_breaks, *o_inputs, *o_dt, *o_ds, *o_da, *o_y0;
    PyObject *o_idx, *o_y, *o_status, *o_rhs, *o_acc, *o_rej;
    double t0, rtol, atol, fixed_step = 0.0;
    long long max_steps;
    int threads, method = ENDO_METHOD_EXPLICIT, tsit5 = 0, lanes = 1;
    PyObject *o_jac = Py_None, *o_used = Py_None, *o_sum = Py_None, *o_thr = Py_None;
    if (!PyArg_ParseTuple(args, "sOOdOOOOOOOddLiOOOOO|diOOOOpp", &name, &o_params, &o_tout,
                          &t0, &o_breaks, &o_inputs, &o_dt, &o_ds, &o_da, &o_y0,
                          &o_idx, &rtol, &atol, &max_steps, &threads, &o_y,
                          &o_status, &o_rhs, &o_acc, &o_rej, &fixed_step, &method,
                          &o_jac, &o_used, &o_sum, &o_thr, &tsit5, &lanes)) {
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
        PyErr_Format(PyExc_ValueError, "unknown model %R", PyTuple_GET_ITEM(args, 0));
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
    if (N == 0) {
        Py_RETURN_NONE;
    }
    if (run_pool(&pb, threads) < 0) {
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
        PyTuple_SET_ITEM(t, i, s);
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
    for (int i = 0; endo_models[i] != NULL; i++) {
        const endo_model *m = endo_models[i];
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
    pt->m = endo_find_model(name);
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
    const endo_model *m = endo_find_model(name);
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
        Py_SETREF(rd, (PyObject *)dy);
    }
    if (m->output_lanes != NULL) {
        PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(2, do2, NPY_DOUBLE);
        if (out == NULL) {
            goto fail;
        }
        m->output_lanes(PyArray_DATA(t), PyArray_DATA(y), PyArray_DATA(p), pu,
                        PyArray_DATA(out));
        Py_SETREF(ro, (PyObject *)out);
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
"(kernels/endo_math.h) of a 1-D array, one value at a time (lanes False) or,\n"
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
    {"_mathfn", mathfn, METH_VARARGS, mathfn_doc},
    {"_jacobian", jacobian, METH_VARARGS, jacobian_doc},
    {"_simulate", simulate, METH_VARARGS, simulate_doc},
    {"_models", models, METH_NOARGS, models_doc},
    {"_evaluate", evaluate, METH_VARARGS, evaluate_doc},
    {"_evaluate_lanes", evaluate_lanes, METH_VARARGS, evaluate_lanes_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "endorphin._integrate",
    .m_doc = "The batched ODE engine of endorphin (use endorphin.core).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__integrate(void)
{
    if (PyArray_ImportNumPyAPI() < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&moduledef);
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
