/*
 * start.c -- the fitter's self-starting values (see fit.c, step 2 of the
 * algorithm): drc's self-starter idea, c and d from the range of y, b and
 * log e from the regression of log((d' - y)/(y - c')) on log x, with c', d'
 * 5 % outside the range; and the valid points of a curve.
 */
#include "curve.h"

#include <math.h>

/* Least-squares line z = s lx + a through the points with x > 0 and
 * lo < y < hi, z = log((hi - y) / (y - lo)) (the logit of the response
 * fraction).  Returns 0 when fewer than two distinct doses qualify. */
static int logit_line(const curve *cv, double lo, double hi, double *slope, double *icpt)
{
    double n = 0.0, sx = 0.0, sz = 0.0, sxx = 0.0, sxz = 0.0, x0 = NAN;
    for (int i = 0; i < cv->m; i++) {
        if (cv->zero[i] != 0.0 || !(cv->y[i] > lo && cv->y[i] < hi)) {
            continue;
        }
        if (isnan(x0)) {
            x0 = cv->lx[i];             /* shift: sums of small numbers */
        }
        const double dx = cv->lx[i] - x0;
        const double z = log((hi - cv->y[i]) / (cv->y[i] - lo));
        n += 1.0;
        sx += dx;
        sz += z;
        sxx += dx * dx;
        sxz += dx * z;
    }
    if (n < 2.0) {
        return 0;
    }
    const double mx = sx / n, mz = sz / n;
    const double vxx = sxx - n * mx * mx, vxz = sxz - n * mx * mz;
    if (!(vxx > 1e-12 * (sxx + 1e-300))) {
        return 0;
    }
    *slope = vxz / vxx;
    *icpt = mz - *slope * (mx + x0);
    return 1;
}

/* Slope and log-EC50 of the logistic part from the line (b = slope,
 * le = -icpt / slope), kept sensible: |b| in [0.05, 20] (a slope too small to
 * tell the direction counts as decreasing, as in drc), le within the doses. */
static void slope_location(const curve *cv, int ok, double slope, double icpt,
                           double *b, double *le)
{
    double lmin = INFINITY, lmax = -INFINITY, lsum = 0.0;
    int npos = 0;
    for (int i = 0; i < cv->m; i++) {
        if (cv->zero[i] == 0.0) {
            lmin = fmin(lmin, cv->lx[i]);
            lmax = fmax(lmax, cv->lx[i]);
            lsum += cv->lx[i];
            npos++;
        }
    }
    const double lmid = npos ? lsum / npos : 0.0;
    if (!npos) {
        lmin = lmax = 0.0;
    }
    if (!ok || !isfinite(slope) || !isfinite(icpt)) {
        *b = 1.0;
        *le = lmid;
        return;
    }
    double bb = slope;
    if (fabs(bb) < 0.05) {
        bb = (bb < 0.0) ? -1.0 : 1.0;
        *le = lmid;
    }
    else {
        *le = -icpt / bb;
    }
    if (fabs(bb) > 20.0) {
        bb = copysign(20.0, bb);
    }
    *b = bb;
    if (!(*le >= lmin)) {
        *le = lmin;
    }
    if (!(*le <= lmax)) {
        *le = lmax;
    }
}

/* Self-start on the valid points; internal parameterisation.  0 or -1. */
int fit_self_start(int model, const curve *cv, double *th)
{
    double ymin = INFINITY, ymax = -INFINITY;
    int npos = 0;
    for (int i = 0; i < cv->m; i++) {
        ymin = fmin(ymin, cv->y[i]);
        ymax = fmax(ymax, cv->y[i]);
        npos += (cv->zero[i] == 0.0);
    }
    if (cv->m < 1 || npos < 1) {
        return -1;
    }
    const double range = ymax - ymin;
    double slope = 0.0, icpt = 0.0, b, le;
    if (model == ENDO_FIT_HILL) {
        /* through the origin: emax the response of largest magnitude */
        const double sgn = (fabs(ymax) >= fabs(ymin)) ? 1.0 : -1.0;
        const double top = (sgn > 0.0) ? ymax : ymin;
        const double hi = 1.05 * top;
        /* logit of y / hi in (0, 1) on the sign-flipped scale */
        int ok;
        if (sgn > 0.0) {
            ok = logit_line(cv, 0.0, hi, &slope, &icpt);
        }
        else {
            /* y in (hi, 0): z = log((hi - y)/(y - 0)) with both negative */
            ok = logit_line(cv, hi, 0.0, &slope, &icpt);
            slope = -slope;
            icpt = -icpt;
        }
        slope_location(cv, ok, slope, icpt, &b, &le);
        th[0] = top;
        th[1] = le;
        th[2] = (b < 0.0) ? -b : 1.0;          /* n = -b; an increasing |y| */
        return 0;
    }
    const int ok = logit_line(cv, ymin - 0.05 * range, ymax + 0.05 * range, &slope, &icpt);
    slope_location(cv, ok, slope, icpt, &b, &le);
    switch (model) {
    case ENDO_FIT_LL4:
    case ENDO_FIT_LL5:
        th[0] = b;
        th[1] = ymin;
        th[2] = ymax;
        th[3] = le;
        if (model == ENDO_FIT_LL5) {
            th[4] = 0.0;                        /* f = 1 */
        }
        break;
    default:                                    /* EMAX: e0 the response at x = 0 */
        if (b < 0.0) {
            th[0] = ymin;
            th[1] = range;
            th[3] = -b;
        }
        else {
            th[0] = ymax;
            th[1] = -range;
            th[3] = b;
        }
        th[2] = le;
        break;
    }
    return 0;
}

/* Gather the valid points into work: lx, y, w, zero (4 n doubles). */
curve fit_gather(int n, const double *x, const double *logx, const double *y,
                 const double *w, double *work)
{
    double *lx = work, *yy = work + n, *ww = work + 2 * n, *zz = work + 3 * n;
    int m = 0;
    for (int i = 0; i < n; i++) {
        const double wi = w ? w[i] : 1.0;
        if (!isfinite(y[i]) || !(wi > 0.0) || !isfinite(wi) || !(x[i] >= 0.0)
            || !isfinite(x[i])) {
            continue;
        }
        zz[m] = (x[i] == 0.0) ? 1.0 : 0.0;
        lx[m] = (x[i] == 0.0) ? 0.0 : (logx ? logx[i] : log(x[i]));
        yy[m] = y[i];
        ww[m] = wi;
        m++;
    }
    curve cv = {m, lx, yy, ww, zz};
    return cv;
}

void fit_to_drc(int model, const double *th, double *p)
{
    const int P = fit_nparams(model);
    for (int i = 0; i < P; i++) {
        p[i] = is_log_param(model, i) ? exp(th[i]) : th[i];
    }
}

int endo_fit_self_start(int model, int n, const double *x, const double *y, const double *w,
                        double *start)
{
    /* small fixed workspace on the stack for short curves, else the caller's
     * start vector gets NaN: this entry point is for tests and the glue */
    double work[4 * 256];
    const int P = fit_nparams(model);
    if (P == 0 || n > 256) {
        return -1;
    }
    const curve cv = fit_gather(n, x, NULL, y, w, work);
    double th[MAXP] = {0};      /* every entry is set for the model; zeroed so the
                                   analyser can see it across files */
    if (fit_self_start(model, &cv, th) < 0) {
        for (int i = 0; i < P; i++) {
            start[i] = NAN;
        }
        return -1;
    }
    fit_to_drc(model, th, start);
    return 0;
}
