/*
 * nca.c -- non-compartmental analysis kernels (see nca.h).
 */
#include "nca.h"
#include "dose_response.h"

#include <math.h>

/* 0: ok; 1: NaN somewhere (quiet); 2: invalid (t not increasing, c < 0). */
static int profile_status(const double *t, const double *c, size_t n)
{
    /* quiet comparisons: a NaN must not raise the invalid flag */
    int nan = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        nan |= isnan(t[i]) | isnan(c[i]);
        bad |= isless(c[i], 0.0) | isinf(t[i]);
        if (i > 0) {
            bad |= islessequal(t[i], t[i - 1]);
        }
    }
    return nan ? 1 : (bad ? 2 : 0);
}

static double status_result(int status)
{
    return status == 1 ? NAN : endo_invalid();
}

/* The area under the profile: trapezoids, or with `linlog` log-trapezoids
 * where the concentration falls (and stays positive). */
static double profile_auc(const double *t, const double *c, size_t n, int linlog)
{
    const int st = profile_status(t, c, n);
    if (st) {
        return status_result(st);
    }
    double auc = 0.0;
    for (size_t i = 1; i < n; i++) {
        const double c1 = c[i - 1], c2 = c[i], dt = t[i] - t[i - 1];
        if (linlog && c2 < c1 && c2 > 0.0) {
            /* exact for c1 exp(-k (t - t1)): (c1 - c2) / k; log1p keeps the
             * accuracy when c2 is close to c1 (then it tends to the trapezoid) */
            const double lr = -log1p((c2 - c1) / c1);   /* log(c1/c2) > 0 */
            auc += (c1 - c2) * dt / lr;
        }
        else {
            auc += 0.5 * (c1 + c2) * dt;
        }
    }
    return auc;
}

double endo_auc_linear(const double *t, const double *c, size_t n)
{
    return profile_auc(t, c, n, 0);
}

double endo_auc_linlog(const double *t, const double *c, size_t n)
{
    return profile_auc(t, c, n, 1);
}

double endo_cmax(const double *c, size_t n)
{
    double m = c[0];
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i])) {
            return NAN;
        }
        if (isgreater(c[i], m)) {
            m = c[i];
        }
    }
    return m;
}

double endo_tmax(const double *t, const double *c, size_t n)
{
    size_t im = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i]) || isnan(t[i])) {
            return NAN;
        }
        if (isgreater(c[i], c[im])) {
            im = i;
        }
    }
    return t[im];
}

double endo_half_life(const double *t, const double *c, size_t n, size_t k)
{
    if (k < 2 || k > n) {
        return endo_invalid();
    }
    const int st = profile_status(t, c, n);
    if (st) {
        return status_result(st);
    }
    const double *tt = t + (n - k), *cc = c + (n - k);
    /* centred least squares of log c on t (two passes: stable for large t) */
    double tm = 0.0, ym = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!(cc[i] > 0.0)) {
            return endo_invalid();      /* log of zero concentration */
        }
        tm += tt[i];
        ym += log(cc[i]);
    }
    tm /= (double)k;
    ym /= (double)k;
    double sxy = 0.0, sxx = 0.0;
    for (size_t i = 0; i < k; i++) {
        const double dx = tt[i] - tm;
        sxy += dx * (log(cc[i]) - ym);
        sxx += dx * dx;
    }
    const double lambda_z = -sxy / sxx;
    if (!(lambda_z > 0.0)) {
        return endo_invalid();          /* no terminal elimination phase */
    }
    return log(2.0) / lambda_z;
}
