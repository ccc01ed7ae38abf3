/*
 * _ufuncs.c -- NumPy ufunc glue for endorphin's dose-response kernels.
 *
 * All maths lives in the kernels next to it (pure C).  This file holds
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

#include <stdint.h>
#include <stdlib.h>

#include "dose_response.h"
#include "nca.h"
#include "receptor.h"
#include "vhill.h"
#include "endorphin_docs.h"

/* ------------------------------------------------------------------------- */
/* ELEMENTWISE LOOPS: one generic loop per arity and dtype                    */
/* ------------------------------------------------------------------------- */
/*
 * `data` is the double kernel.  The float32 loops evaluate the same double
 * kernel and round once, which gives a float32 result that is correctly
 * rounded in all but rare ties.  Every argument is addressed through its own
 * stride (never assuming contiguity); NumPy hands us aligned, native-byte-order
 * data (it buffers anything else).
 */
typedef double (*kernel_2)(double, double);
typedef double (*kernel_3)(double, double, double);
typedef double (*kernel_4)(double, double, double, double);
typedef double (*kernel_5)(double, double, double, double, double);
typedef double (*kernel_6)(double, double, double, double, double, double);

/* argument k of element i, as double */
#define ARG(T, k) ((double)*(const T *)(args[k] + i * steps[k]))

#define ELEMENTWISE_LOOP(NAME, T, KT, NIN, CALL)                              \
    static void NAME(char **args, npy_intp const *dimensions,                 \
                     npy_intp const *steps, void *data)                       \
    {                                                                         \
        const KT f = (KT)data;                                                \
        const npy_intp n = dimensions[0];                                     \
        for (npy_intp i = 0; i < n; i++) {                                    \
            *(T *)(args[NIN] + i * steps[NIN]) = (T)(CALL);                   \
        }                                                                     \
    }

/* The float64 (NAME_d) and float32 (NAME_f) inner loops of a gufunc whose
 * loop body is NAME_loop(args, dimensions, steps, is_float). */
#define PRECISION_LOOPS(NAME)                                                 \
    static void NAME##_d(char **args, npy_intp const *dimensions,             \
                         npy_intp const *steps, void *NPY_UNUSED(data))       \
    {                                                                         \
        NAME##_loop(args, dimensions, steps, 0);                              \
    }                                                                         \
    static void NAME##_f(char **args, npy_intp const *dimensions,             \
                         npy_intp const *steps, void *NPY_UNUSED(data))       \
    {                                                                         \
        NAME##_loop(args, dimensions, steps, 1);                              \
    }

#define CALL2(T) f(ARG(T, 0), ARG(T, 1))
#define CALL3(T) f(ARG(T, 0), ARG(T, 1), ARG(T, 2))
#define CALL4(T) f(ARG(T, 0), ARG(T, 1), ARG(T, 2), ARG(T, 3))
#define CALL5(T) f(ARG(T, 0), ARG(T, 1), ARG(T, 2), ARG(T, 3), ARG(T, 4))
#define CALL6(T) f(ARG(T, 0), ARG(T, 1), ARG(T, 2), ARG(T, 3), ARG(T, 4), ARG(T, 5))

ELEMENTWISE_LOOP(loop_ff_f, float, kernel_2, 2, CALL2(float))
ELEMENTWISE_LOOP(loop_dd_d, double, kernel_2, 2, CALL2(double))
ELEMENTWISE_LOOP(loop_fff_f, float, kernel_3, 3, CALL3(float))
ELEMENTWISE_LOOP(loop_ddd_d, double, kernel_3, 3, CALL3(double))
ELEMENTWISE_LOOP(loop_ffff_f, float, kernel_4, 4, CALL4(float))
ELEMENTWISE_LOOP(loop_dddd_d, double, kernel_4, 4, CALL4(double))
ELEMENTWISE_LOOP(loop_fffff_f, float, kernel_5, 5, CALL5(float))
ELEMENTWISE_LOOP(loop_ddddd_d, double, kernel_5, 5, CALL5(double))
ELEMENTWISE_LOOP(loop_ffffff_f, float, kernel_6, 6, CALL6(float))
ELEMENTWISE_LOOP(loop_dddddd_d, double, kernel_6, 6, CALL6(double))

static void copy_in(const char *p, npy_intp n, npy_intp stride, int is_float,
                    double *buf);
static const double *gather(const char *p, npy_intp n, npy_intp stride,
                            int is_float, double *buf);
static void scatter(char *p, npy_intp n, npy_intp stride, int is_float,
                    const double *v);

/* ------------------------------------------------------------------------- */
/* hill: blocked loop over the vectorised kernel (csrc/ufuncs/vhill.c)        */
/* ------------------------------------------------------------------------- */
/*
 * Inputs that are float64 with unit stride are used in place; anything else
 * (strided, broadcast, float32) is copied into a block buffer first, so every
 * element is computed the same way whatever the layout: the layout tests
 * compare bitwise.
 */
static void
hill_loop(char **args, npy_intp const *dimensions, npy_intp const *steps,
          int is_float)
{
    const npy_intp N = dimensions[0];
    const npy_intp dsize = (npy_intp)sizeof(double);
    double buf[5][ENDO_VBLOCK];
    const int consts = (steps[1] == 0 ? ENDO_CONST_EMAX : 0)
                       | (steps[2] == 0 ? ENDO_CONST_EC50 : 0)
                       | (steps[3] == 0 ? ENDO_CONST_N : 0);

    int filled[4] = {0, 0, 0, 0};      /* broadcast inputs: buffer filled once */

    for (npy_intp start = 0; start < N; start += ENDO_VBLOCK) {
        const npy_intp len = (N - start < ENDO_VBLOCK) ? N - start : ENDO_VBLOCK;
        const double *in[4];
        for (int k = 0; k < 4; k++) {
            if (steps[k] == 0) {
                if (!filled[k]) {
                    copy_in(args[k], ENDO_VBLOCK, 0, is_float, buf[k]);
                    filled[k] = 1;
                }
                in[k] = buf[k];
            }
            else {
                in[k] = gather(args[k] + start * steps[k], len, steps[k], is_float,
                               buf[k]);
            }
        }
        char *op = args[4] + start * steps[4];
        const int direct = !is_float && steps[4] == dsize;
        double *out = direct ? (double *)op : buf[4];
        endo_hill_block(in[0], in[1], in[2], in[3], out, (size_t)len, consts);
        if (!direct) {
            scatter(op, len, steps[4], is_float, out);
        }
    }
}

PRECISION_LOOPS(hill)

/* ------------------------------------------------------------------------- */
/* GUFUNC HELPERS                                                             */
/* ------------------------------------------------------------------------- */

/* Report an allocation failure from a loop that runs without the GIL. */
static void
loop_no_memory(void)
{
    NPY_ALLOW_C_API_DEF
    NPY_ALLOW_C_API;
    PyErr_NoMemory();
    NPY_DISABLE_C_API;
}

/*
 * malloc((k * m + a) doubles + extra_bytes), or NULL when that size does not
 * fit in size_t.  Core dimensions can be huge without any memory behind them
 * (broadcast or zero-stride arrays: (2**61 + 1) // 3 elements of a broadcast
 * float64 is a valid array), and an unchecked product wraps around to a tiny
 * allocation that the loop then overruns (found by the junk-call battery).
 */
static void *
checked_alloc(npy_intp k, npy_intp m, npy_intp a, npy_intp extra_bytes)
{
    if (k < 0 || m < 0 || a < 0 || extra_bytes < 0) {
        return NULL;
    }
    const size_t lim = (SIZE_MAX - (size_t)extra_bytes) / sizeof(double);
    if ((size_t)a > lim || (m != 0 && (size_t)k > (lim - (size_t)a) / (size_t)m)) {
        return NULL;
    }
    return malloc(sizeof(double) * ((size_t)k * (size_t)m + (size_t)a)
                  + (size_t)extra_bytes);
}

/*
 * The scratch memory of a gufunc loop over N outer elements (checked_alloc's
 * size), or NULL: when there is nothing to do (N == 0), or with MemoryError
 * set when it cannot be had.
 */
static void *
loop_scratch(npy_intp N, npy_intp k, npy_intp m, npy_intp a, npy_intp extra_bytes)
{
    if (N == 0) {
        return NULL;
    }
    void *mem = checked_alloc(k, m, a, extra_bytes);
    if (mem == NULL) {
        loop_no_memory();
    }
    return mem;
}

/*
 * A core vector of n elements at byte stride `stride`, as contiguous doubles:
 * the data itself when it already is (double, unit stride), else a copy into
 * `buf` (converted from float32 when is_float).
 */
static void
copy_in(const char *p, npy_intp n, npy_intp stride, int is_float, double *buf)
{
    for (npy_intp i = 0; i < n; i++) {
        buf[i] = is_float ? (double)*(const float *)(p + i * stride)
                          : *(const double *)(p + i * stride);
    }
}

static const double *
gather(const char *p, npy_intp n, npy_intp stride, int is_float, double *buf)
{
    if (!is_float && stride == (npy_intp)sizeof(double)) {
        return (const double *)p;
    }
    copy_in(p, n, stride, is_float, buf);
    return buf;
}

static void
scatter(char *p, npy_intp n, npy_intp stride, int is_float, const double *v)
{
    for (npy_intp i = 0; i < n; i++) {
        if (is_float) {
            *(float *)(p + i * stride) = (float)v[i];
        }
        else {
            *(double *)(p + i * stride) = v[i];
        }
    }
}

/* ------------------------------------------------------------------------- */
/* competitive_occupancy  (l),(r,l)->(r,l)                                    */
/* ------------------------------------------------------------------------- */
/*
 * dimensions: [N, l, r]; steps: [conc, K, occ outer strides,
 *   conc_l, K_r, K_l, occ_r, occ_l].  The reciprocal affinities are computed
 * again only when K changes between points, i.e. once per call when K is
 * broadcast (outer stride 0), which is the usual case.
 */
static void
competitive_occupancy_loop(char **args, npy_intp const *dimensions,
                           npy_intp const *steps, int is_float)
{
    const npy_intp N = dimensions[0], l = dimensions[1], r = dimensions[2];
    const npy_intp s_c = steps[0], s_k = steps[1], s_o = steps[2];
    const npy_intp c_l = steps[3], k_r = steps[4], k_l = steps[5];
    const npy_intp o_r = steps[6], o_l = steps[7];
    const npy_intp rl = r * l;
    const npy_intp dsize = is_float ? (npy_intp)sizeof(float) : (npy_intp)sizeof(double);

    if (rl == 0) {
        return;
    }
    double *mem = loop_scratch(N, rl, 3, l, r);
    if (mem == NULL) {
        return;
    }
    double *cbuf = mem, *kbuf = mem + l, *rk = mem + l + rl, *obuf = mem + l + 2 * rl;
    unsigned char *bad = (unsigned char *)(mem + l + 3 * rl);
    /* a stride along a dimension of length 1 is never used (NumPy may give it
     * any value): such a dimension is contiguous whatever it says */
    const int out_direct = !is_float && (l == 1 || o_l == dsize)
                           && (r == 1 || o_r == l * dsize);
    const char *k_prev = NULL;

    /* The common case, C-contiguous float64 (N, l) -> (N, r, l) with K
     * broadcast: one call over all rows. */
    if (!is_float && s_k == 0 && (l == 1 || c_l == dsize) && s_c == l * dsize && out_direct
        && s_o == rl * dsize) {
        for (npy_intp q = 0; q < r; q++) {
            copy_in(args[1] + q * k_r, l, k_l, 0, kbuf + q * l);
        }
        endo_reciprocal_affinities(kbuf, (size_t)r, (size_t)l, rk, bad);
        endo_competitive_occupancy_rows((const double *)args[0], (size_t)N,
                                        (size_t)l, (size_t)r, rk, bad,
                                        (double *)args[2]);
        free(mem);
        return;
    }

    for (npy_intp i = 0; i < N; i++) {
        const char *kp = args[1] + i * s_k;
        if (kp != k_prev) {
            for (npy_intp q = 0; q < r; q++) {
                copy_in(kp + q * k_r, l, k_l, is_float, kbuf + q * l);
            }
            endo_reciprocal_affinities(kbuf, (size_t)r, (size_t)l, rk, bad);
            k_prev = kp;
        }
        const double *conc = gather(args[0] + i * s_c, l, c_l, is_float, cbuf);
        char *op = args[2] + i * s_o;
        double *occ = out_direct ? (double *)op : obuf;
        endo_competitive_occupancy(conc, (size_t)l, (size_t)r, rk, bad, occ);
        if (!out_direct) {
            for (npy_intp q = 0; q < r; q++) {
                scatter(op + q * o_r, l, o_l, is_float, obuf + q * l);
            }
        }
    }
    free(mem);
}

PRECISION_LOOPS(competitive_occupancy)

/* ------------------------------------------------------------------------- */
/* operational_multi  (l),(l),(l),()->()                                      */
/* ------------------------------------------------------------------------- */
static void
operational_multi_loop(char **args, npy_intp const *dimensions,
                       npy_intp const *steps, int is_float)
{
    const npy_intp N = dimensions[0], l = dimensions[1];
    /* steps: conc, K, tau, n, out (outer); conc_l, K_l, tau_l (core) */
    double *mem = loop_scratch(N, l, 3, 1, 0);
    if (mem == NULL) {
        return;
    }
    for (npy_intp i = 0; i < N; i++) {
        const double *c = gather(args[0] + i * steps[0], l, steps[5], is_float, mem);
        const double *k = gather(args[1] + i * steps[1], l, steps[6], is_float, mem + l);
        const double *t = gather(args[2] + i * steps[2], l, steps[7], is_float, mem + 2 * l);
        const char *np_ = args[3] + i * steps[3];
        const double n = is_float ? (double)*(const float *)np_ : *(const double *)np_;
        const double e = endo_operational_multi(c, k, t, (size_t)l, n);
        char *op = args[4] + i * steps[4];
        if (is_float) {
            *(float *)op = (float)e;
        }
        else {
            *(double *)op = e;
        }
    }
    free(mem);
}

PRECISION_LOOPS(operational_multi)

/* ------------------------------------------------------------------------- */
/* Jacobian gufuncs  (),(),...->(p)                                           */
/* ------------------------------------------------------------------------- */
/* The kernel fills p doubles; nin inputs; the output's core stride is
 * steps[nin + 1] (after the nin + 1 outer strides). */
typedef void (*jac_kernel_4)(double, double, double, double, double *);
typedef void (*jac_kernel_5)(double, double, double, double, double, double *);
typedef void (*jac_kernel_6)(double, double, double, double, double, double,
                             double *);

static void
jac_loop(char **args, npy_intp const *dimensions, npy_intp const *steps,
         void *data, int nin, int is_float)
{
    const npy_intp N = dimensions[0], p = dimensions[1];
    const npy_intp s_p = steps[nin + 1];
    double jac[8];
    for (npy_intp i = 0; i < N; i++) {
        double a[6];
        for (int k = 0; k < nin; k++) {
            const char *ap = args[k] + i * steps[k];
            a[k] = is_float ? (double)*(const float *)ap : *(const double *)ap;
        }
        switch (nin) {
        case 4: ((jac_kernel_4)data)(a[0], a[1], a[2], a[3], jac); break;
        case 5: ((jac_kernel_5)data)(a[0], a[1], a[2], a[3], a[4], jac); break;
        default: ((jac_kernel_6)data)(a[0], a[1], a[2], a[3], a[4], a[5], jac); break;
        }
        scatter(args[nin] + i * steps[nin], p, s_p, is_float, jac);
    }
}

#define JAC_LOOPS(NAME, NIN)                                                  \
    static void NAME##_d(char **args, npy_intp const *dimensions,             \
                         npy_intp const *steps, void *data)                   \
    {                                                                         \
        jac_loop(args, dimensions, steps, data, NIN, 0);                      \
    }                                                                         \
    static void NAME##_f(char **args, npy_intp const *dimensions,             \
                         npy_intp const *steps, void *data)                   \
    {                                                                         \
        jac_loop(args, dimensions, steps, data, NIN, 1);                      \
    }

JAC_LOOPS(jac4_loop, 4)
JAC_LOOPS(jac5_loop, 5)
JAC_LOOPS(jac6_loop, 6)

/* ------------------------------------------------------------------------- */
/* NCA gufuncs over the last axis                                             */
/* ------------------------------------------------------------------------- */
/*
 * One loop for the three layouts: (n)->() [cmax], (n),(n)->() [auc, tmax]
 * and (n),(n),()->() [half_life, whose third input is an intp].  The core
 * vectors are gathered into contiguous doubles when their stride or dtype
 * requires it; a zero-length core dimension gives NaN and the invalid flag.
 */
typedef double (*profile_kernel)(const double *, const double *, size_t);
typedef double (*c_only_kernel)(const double *, size_t);

enum { NCA_C_ONLY, NCA_T_C, NCA_T_C_K };

static void
nca_loop(char **args, npy_intp const *dimensions, npy_intp const *steps,
         void *data, int is_float, int layout)
{
    const npy_intp N = dimensions[0], n = dimensions[1];
    const int nin = (layout == NCA_C_ONLY) ? 1 : (layout == NCA_T_C ? 2 : 3);
    /* steps: nin + 1 outer strides, then the core strides of t (and c) */
    const npy_intp *core = steps + nin + 1;
    char *out = args[nin];
    double *mem = loop_scratch(N, n, 2, 1, 0);
    if (mem == NULL) {
        return;
    }
    for (npy_intp i = 0; i < N; i++) {
        double v;
        if (n == 0) {
            v = endo_invalid();
        }
        else if (layout == NCA_C_ONLY) {
            const double *c = gather(args[0] + i * steps[0], n, core[0], is_float, mem);
            v = ((c_only_kernel)data)(c, (size_t)n);
        }
        else {
            const double *t = gather(args[0] + i * steps[0], n, core[0], is_float, mem);
            const double *c = gather(args[1] + i * steps[1], n, core[1], is_float, mem + n);
            if (layout == NCA_T_C) {
                v = ((profile_kernel)data)(t, c, (size_t)n);
            }
            else {
                const npy_intp k = *(const npy_intp *)(args[2] + i * steps[2]);
                v = (k < 2 || k > n) ? endo_invalid()
                                     : endo_half_life(t, c, (size_t)n, (size_t)k);
            }
        }
        scatter(out + i * steps[nin], 1, 0, is_float, &v);
    }
    free(mem);
}

#define NCA_LOOPS(NAME, LAYOUT)                                               \
    static void NAME##_d(char **a, npy_intp const *d, npy_intp const *s,      \
                         void *data)                                          \
    {                                                                         \
        nca_loop(a, d, s, data, 0, LAYOUT);                                   \
    }                                                                         \
    static void NAME##_f(char **a, npy_intp const *d, npy_intp const *s,      \
                         void *data)                                          \
    {                                                                         \
        nca_loop(a, d, s, data, 1, LAYOUT);                                   \
    }

NCA_LOOPS(profile, NCA_T_C)
NCA_LOOPS(cmax, NCA_C_ONLY)
NCA_LOOPS(half_life, NCA_T_C_K)

/* ------------------------------------------------------------------------- */
/* PER-UFUNC TABLES (all static: NumPy keeps the pointers)                   */
/* ------------------------------------------------------------------------- */
/* Loops are listed float32 first, then float64, so that NumPy's loop search
 * picks float32 for float32 input and float64 for everything else. */

#define F NPY_FLOAT
#define D NPY_DOUBLE

static PyUFuncGenericFunction loops_2[] = {loop_ff_f, loop_dd_d};
static PyUFuncGenericFunction loops_3[] = {loop_fff_f, loop_ddd_d};
static PyUFuncGenericFunction loops_4[] = {loop_ffff_f, loop_dddd_d};
static PyUFuncGenericFunction loops_5[] = {loop_fffff_f, loop_ddddd_d};
static PyUFuncGenericFunction loops_6[] = {loop_ffffff_f, loop_dddddd_d};

/* one row per loop: the nin inputs, then the output */
static const char types_1[] = {F, F,  D, D};
static const char types_2[] = {F, F, F,  D, D, D};
static const char types_3[] = {F, F, F, F,  D, D, D, D};
static const char types_4[] = {F, F, F, F, F,  D, D, D, D, D};
static const char types_5[] = {F, F, F, F, F, F,  D, D, D, D, D, D};
static const char types_6[] = {F, F, F, F, F, F, F,  D, D, D, D, D, D, D};

/* `data` of the elementwise ufuncs: the same double kernel for both loops */
#define KERNEL_DATA(name, kernel) \
    static void *name##_data[] = {(void *)(kernel), (void *)(kernel)}

static PyUFuncGenericFunction hill_funcs[] = {hill_f, hill_d};
KERNEL_DATA(emax_model, endo_emax_model);
KERNEL_DATA(ll4, endo_ll4);
KERNEL_DATA(ll5, endo_ll5);
KERNEL_DATA(occupancy, endo_occupancy);
KERNEL_DATA(operational, endo_operational);
KERNEL_DATA(dose_ratio, endo_dose_ratio);
KERNEL_DATA(hill_inverse, endo_hill_inverse);
KERNEL_DATA(ecx, endo_ecx);
KERNEL_DATA(hill_jac, endo_hill_jac);
KERNEL_DATA(ll4_jac, endo_ll4_jac);
KERNEL_DATA(ll5_jac, endo_ll5_jac);
KERNEL_DATA(auc_linear, endo_auc_linear);
KERNEL_DATA(auc_linlog, endo_auc_linlog);
KERNEL_DATA(tmax, endo_tmax);
KERNEL_DATA(cmax, endo_cmax);
static void *no_data[] = {NULL, NULL};

static PyUFuncGenericFunction competitive_occupancy_funcs[] = {
    competitive_occupancy_f, competitive_occupancy_d};
static PyUFuncGenericFunction operational_multi_funcs[] = {
    operational_multi_f, operational_multi_d};
static PyUFuncGenericFunction jac4_funcs[] = {jac4_loop_f, jac4_loop_d};
static PyUFuncGenericFunction jac5_funcs[] = {jac5_loop_f, jac5_loop_d};
static PyUFuncGenericFunction jac6_funcs[] = {jac6_loop_f, jac6_loop_d};
static PyUFuncGenericFunction profile_funcs[] = {profile_f, profile_d};
static PyUFuncGenericFunction cmax_funcs[] = {cmax_f, cmax_d};
static PyUFuncGenericFunction half_life_funcs[] = {half_life_f, half_life_d};

/*  t,  c,  n_points,  half_life  */
static const char half_life_types[] = {
    F,  F,  NPY_INTP,  F,
    D,  D,  NPY_INTP,  D,
};

#undef F
#undef D

/* ------------------------------------------------------------------------- */
/* THE DESCRIPTOR TABLE                                                       */
/* ------------------------------------------------------------------------- */
typedef struct {
    const char *name;
    const char *signature;        /* NULL for elementwise ufuncs */
    const char *doc;
    int nin;
    int nout;
    PyUFuncGenericFunction *funcs;
    void **data;
    const char *types;
} endo_ufunc_descriptor;

/* Every ufunc has exactly two loops (float32, float64). */
#define NLOOPS 2

static const endo_ufunc_descriptor ufunc_descriptors[] = {
    /* name, signature, doc, nin, nout, loops, data, types */
    {"hill", NULL, ENDO_DOC_hill, 4, 1, hill_funcs, no_data, types_4},
    {"emax_model", NULL, ENDO_DOC_emax_model, 5, 1, loops_5, emax_model_data, types_5},
    {"ll4", NULL, ENDO_DOC_ll4, 5, 1, loops_5, ll4_data, types_5},
    {"ll5", NULL, ENDO_DOC_ll5, 6, 1, loops_6, ll5_data, types_6},
    {"occupancy", NULL, ENDO_DOC_occupancy, 2, 1, loops_2, occupancy_data, types_2},
    {"operational", NULL, ENDO_DOC_operational, 5, 1, loops_5, operational_data, types_5},
    {"dose_ratio", NULL, ENDO_DOC_dose_ratio, 3, 1, loops_3, dose_ratio_data, types_3},
    {"hill_inverse", NULL, ENDO_DOC_hill_inverse, 4, 1, loops_4, hill_inverse_data, types_4},
    {"ecx", NULL, ENDO_DOC_ecx, 3, 1, loops_3, ecx_data, types_3},
    {"competitive_occupancy", "(l),(r,l)->(r,l)", ENDO_DOC_competitive_occupancy,
     2, 1, competitive_occupancy_funcs, no_data, types_2},
    {"operational_multi", "(l),(l),(l),()->()", ENDO_DOC_operational_multi,
     4, 1, operational_multi_funcs, no_data, types_4},
    {"hill_jac", "(),(),(),()->(3)", ENDO_DOC_hill_jac, 4, 1, jac4_funcs,
     hill_jac_data, types_4},
    {"ll4_jac", "(),(),(),(),()->(4)", ENDO_DOC_ll4_jac, 5, 1, jac5_funcs,
     ll4_jac_data, types_5},
    {"ll5_jac", "(),(),(),(),(),()->(5)", ENDO_DOC_ll5_jac, 6, 1, jac6_funcs,
     ll5_jac_data, types_6},
    /* NCA gufuncs, wrapped by endorphin/nca.py */
    {"_auc_linear", "(n),(n)->()", ENDO_DOC__auc_linear, 2, 1, profile_funcs,
     auc_linear_data, types_2},
    {"_auc_linlog", "(n),(n)->()", ENDO_DOC__auc_linlog, 2, 1, profile_funcs,
     auc_linlog_data, types_2},
    {"_tmax", "(n),(n)->()", ENDO_DOC__tmax, 2, 1, profile_funcs, tmax_data, types_2},
    {"_cmax", "(n)->()", ENDO_DOC__cmax, 1, 1, cmax_funcs, cmax_data, types_1},
    {"_half_life", "(n),(n),()->()", ENDO_DOC__half_life, 3, 1, half_life_funcs,
     no_data, half_life_types},
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
            d->funcs, d->data, (char *)d->types, NLOOPS, d->nin, d->nout,
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

static PyObject *
simd_isa(PyObject *NPY_UNUSED(self), PyObject *NPY_UNUSED(args))
{
    return PyUnicode_FromString(endo_vhill_isa());
}

static PyMethodDef module_methods[] = {
    {"_simd_isa", simd_isa, METH_NOARGS,
     "_simd_isa()\n\nName of the SIMD variant of the hill kernel in use "
     "(\"avx512\", \"avx2\" or \"generic\"; cap it with ENDORPHIN_SIMD)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "endorphin._ufuncs",
    .m_doc = "Compiled dose-response ufuncs of endorphin (see endorphin.hill).",
    .m_size = -1,
    .m_methods = module_methods,
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
    /* pick the SIMD variants now, before any thread can call the ufuncs */
    (void)endo_vhill_isa();
    (void)endo_occupancy_simd();
    module = PyModule_Create(&moduledef);
    if (module == NULL) {
        goto fail;
    }
    if (add_ufuncs(module) < 0) {
        goto fail;
    }
#ifdef Py_GIL_DISABLED
    /* No mutable C globals after init (the SIMD variants are chosen above): the
     * module is safe without the GIL. */
    if (PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED) < 0) {
        goto fail;
    }
#endif
    return module;

fail:
    Py_XDECREF(module);
    return NULL;
}
