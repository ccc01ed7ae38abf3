/*
 * _fit.c -- Python glue of the batched dose-response fitter (endorphin._fit).
 *
 * One private entry point, _fit(), called by endorphin/fitting.py with
 * validated, converted, C-contiguous arrays; it checks shapes and dtypes once
 * more (never trust a private entry point with raw pointers), releases the
 * GIL for the whole batch, and fits the curves on the extensions' thread pool
 * (pool.h: chunks of curves from a shared atomic counter, the calling thread
 * fitting too).  Each curve is fitted independently (csrc/fit/fit.c), so any
 * thread count gives bitwise identical results.  The calling thread checks
 * for signals every 50 ms: Ctrl-C stops a long batch (KeyboardInterrupt; no
 * partial result is returned).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_25_API_VERSION
#define NPY_TARGET_VERSION NPY_1_25_API_VERSION
#include <numpy/arrayobject.h>

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "fit/fit.h"
#include "pool.h"

/* ------------------------------------------------------------------------- */
/* THE BATCH                                                                  */
/* ------------------------------------------------------------------------- */
typedef struct {
    endo_fit_opts opts;
    npy_intp N;                 /* curves */
    int n, P;                   /* points per curve, parameters */
    const double *x, *y, *w, *start;
    double *logx;               /* log of the shared doses (x_step == 0), else NULL */
    npy_intp x_step, w_step, s_step;   /* 0 (shared by all curves) or n / P */
    double *params, *cov, *rss;
    int32_t *n_obs, *df, *n_iter;
    int8_t *reason;
} batch;

/* Fit curve i of the batch into its rows of the results. */
static void
fit_one(const batch *bt, npy_intp i, double *work)
{
    const int P = bt->P;
    endo_fit_result r;
    endo_fit_curve(&bt->opts, bt->n, bt->x + i * bt->x_step, bt->logx,
                   bt->y + i * (npy_intp)bt->n,
                   bt->w ? bt->w + i * bt->w_step : NULL, bt->start + i * bt->s_step, &r,
                   work);
    memcpy(bt->params + i * P, r.params, (size_t)P * sizeof(double));
    memcpy(bt->cov + i * P * P, r.cov, (size_t)P * (size_t)P * sizeof(double));
    bt->rss[i] = r.rss;
    bt->n_obs[i] = r.n_obs;
    bt->df[i] = r.df;
    bt->n_iter[i] = r.n_iter;
    bt->reason[i] = (int8_t)r.reason;
}

/* curves per grab from the shared counter: the counter stays cold, and the
 * last chunks still balance the threads */
#define CHUNK 64

/* One thread's share of the batch (pool.h): its workspace, then the curves
 * the pool hands out. */
static int
fit_work(endo_pool_feed *feed, void *ctx)
{
    const batch *bt = (const batch *)ctx;
    double *work = malloc(endo_fit_workspace(bt->n) * sizeof(double));
    if (work == NULL) {
        return -1;
    }
    for (size_t i; (i = endo_pool_next(feed)) != ENDO_POOL_DONE;) {
        fit_one(bt, (npy_intp)i, work);
    }
    free(work);
    return 0;
}

/* ------------------------------------------------------------------------- */
/* _fit                                                                       */
/* ------------------------------------------------------------------------- */
PyDoc_STRVAR(fit_doc,
"_fit(x, y, w, start, model, free_mask, lo, hi, ec50_range, max_iter, xtol, ftol,\n"
"     vcov, threads) -> (params, cov, rss, n_obs, df, n_iter, reason)\n\n"
"Private: use endorphin.fit_dose_response.  x (Nx, n), y (N, n), w None or\n"
"(Nw, n), start (Ns, P) with Nx, Nw, Ns in {1, N}; lo, hi (P,); all float64\n"
"C-contiguous.  Returns params (N, P), cov (N, P, P), rss (N,) float64,\n"
"n_obs, df, n_iter (N,) int32 and reason (N,) int8.");

static PyObject *
fit(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *ox, *oy, *ow, *os, *olo, *ohi;
    int model, max_iter, threads, vcov;
    unsigned int free_mask;
    double ec50_range, xtol, ftol;
    if (!PyArg_ParseTuple(args, "OOOOiIOOdiddii", &ox, &oy, &ow, &os, &model, &free_mask,
                          &olo, &ohi, &ec50_range, &max_iter, &xtol, &ftol, &vcov,
                          &threads)) {
        return NULL;
    }
    const int P = endo_fit_nparams(model);
    if (P == 0) {
        PyErr_Format(PyExc_ValueError, "unknown model code %d", model);
        return NULL;
    }
    if (max_iter < 1 || threads < 1 || !(xtol >= 0.0) || !(ftol >= 0.0)
        || !(ec50_range >= 0.0) || (free_mask >> P) != 0 || vcov < 0 || vcov > 1) {
        PyErr_SetString(PyExc_ValueError,
                        "max_iter, threads, xtol, ftol, ec50_range, free_mask or vcov out of range");
        return NULL;
    }
    static const npy_intp any[2] = {-1, -1};     /* float64 arrays of any size */
    PyArrayObject *ax = checked(ox, "x", NPY_DOUBLE, 2, any);
    PyArrayObject *ay = checked(oy, "y", NPY_DOUBLE, 2, any);
    if (ax == NULL || ay == NULL) {
        return NULL;
    }
    PyArrayObject *aw = NULL;
    if (ow != Py_None && (aw = checked(ow, "w", NPY_DOUBLE, 2, any)) == NULL) {
        return NULL;
    }
    PyArrayObject *as = checked(os, "start", NPY_DOUBLE, 2, any);
    PyArrayObject *alo = checked(olo, "lo", NPY_DOUBLE, 1, any);
    PyArrayObject *ahi = checked(ohi, "hi", NPY_DOUBLE, 1, any);
    if (as == NULL || alo == NULL || ahi == NULL) {
        return NULL;
    }
    const npy_intp N = PyArray_DIM(ay, 0), n = PyArray_DIM(ay, 1);
    if (n > INT_MAX / 8) {
        PyErr_SetString(PyExc_ValueError, "too many points per curve");
        return NULL;
    }
    const npy_intp nx = PyArray_DIM(ax, 0);
    if ((nx != 1 && nx != N) || PyArray_DIM(ax, 1) != n) {
        PyErr_SetString(PyExc_ValueError, "x must have shape (1, n) or (N, n) like y");
        return NULL;
    }
    if (aw != NULL && ((PyArray_DIM(aw, 0) != 1 && PyArray_DIM(aw, 0) != N)
                       || PyArray_DIM(aw, 1) != n)) {
        PyErr_SetString(PyExc_ValueError, "w must have shape (1, n) or (N, n) like y");
        return NULL;
    }
    const npy_intp ns = PyArray_DIM(as, 0);
    if ((ns != 1 && ns != N) || PyArray_DIM(as, 1) != P || PyArray_DIM(alo, 0) != P
        || PyArray_DIM(ahi, 0) != P) {
        PyErr_SetString(PyExc_ValueError, "start must be (1, P) or (N, P); lo, hi (P,)");
        return NULL;
    }

    batch bt;
    memset(&bt, 0, sizeof bt);
    bt.opts.model = model;
    bt.opts.free_mask = free_mask;
    const double *lo = PyArray_DATA(alo), *hi = PyArray_DATA(ahi);
    for (int i = 0; i < ENDO_FIT_MAXP; i++) {
        bt.opts.lo[i] = (i < P) ? lo[i] : -INFINITY;
        bt.opts.hi[i] = (i < P) ? hi[i] : INFINITY;
    }
    bt.opts.ec50_range = ec50_range;
    bt.opts.max_iter = max_iter;
    bt.opts.xtol = xtol;
    bt.opts.ftol = ftol;
    bt.opts.vcov = vcov;
    bt.N = N;
    bt.n = (int)n;
    bt.P = P;
    bt.x = PyArray_DATA(ax);
    bt.y = PyArray_DATA(ay);
    bt.w = aw ? PyArray_DATA(aw) : NULL;
    bt.start = PyArray_DATA(as);
    bt.x_step = (nx == 1) ? 0 : n;
    bt.w_step = (aw && PyArray_DIM(aw, 0) == N && N > 1) ? n : 0;
    bt.s_step = (ns == 1) ? 0 : P;
    if (N == 1) {
        bt.x_step = bt.w_step = bt.s_step = 0;
    }

    if (bt.x_step == 0 && n > 0) {
        bt.logx = malloc((size_t)n * sizeof(double));
        if (bt.logx == NULL) {
            return PyErr_NoMemory();
        }
        for (npy_intp k = 0; k < n; k++) {
            bt.logx[k] = (bt.x[k] > 0.0) ? log(bt.x[k]) : 0.0;
        }
    }

    npy_intp d2[2] = {N, P}, d3[3] = {N, P, P}, d1[1] = {N};
    PyArrayObject *params = (PyArrayObject *)PyArray_SimpleNew(2, d2, NPY_DOUBLE);
    PyArrayObject *cov = (PyArrayObject *)PyArray_SimpleNew(3, d3, NPY_DOUBLE);
    PyArrayObject *rss = (PyArrayObject *)PyArray_SimpleNew(1, d1, NPY_DOUBLE);
    PyArrayObject *nobs = (PyArrayObject *)PyArray_SimpleNew(1, d1, NPY_INT32);
    PyArrayObject *df = (PyArrayObject *)PyArray_SimpleNew(1, d1, NPY_INT32);
    PyArrayObject *nit = (PyArrayObject *)PyArray_SimpleNew(1, d1, NPY_INT32);
    PyArrayObject *reason = (PyArrayObject *)PyArray_SimpleNew(1, d1, NPY_INT8);
    PyObject *out = NULL;
    if (params && cov && rss && nobs && df && nit && reason) {
        bt.params = PyArray_DATA(params);
        bt.cov = PyArray_DATA(cov);
        bt.rss = PyArray_DATA(rss);
        bt.n_obs = PyArray_DATA(nobs);
        bt.df = PyArray_DATA(df);
        bt.n_iter = PyArray_DATA(nit);
        bt.reason = PyArray_DATA(reason);
        if (N == 0 || endo_pool_run((size_t)N, CHUNK, threads, fit_work, &bt) == 0) {
            out = PyTuple_Pack(7, params, cov, rss, nobs, df, nit, reason);
        }
    }
    free(bt.logx);
    Py_XDECREF(params);
    Py_XDECREF(cov);
    Py_XDECREF(rss);
    Py_XDECREF(nobs);
    Py_XDECREF(df);
    Py_XDECREF(nit);
    Py_XDECREF(reason);
    return out;
}

static PyMethodDef methods[] = {
    {"_fit", fit, METH_VARARGS, fit_doc},
    {NULL, NULL, 0, NULL},
};

PyMODINIT_FUNC
PyInit__fit(void)
{
    return endo_module_create(
        "endorphin._fit",
        "The batched dose-response fitter of endorphin "
        "(use endorphin.fit_dose_response).", methods);
}
