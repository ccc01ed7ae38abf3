/*
 * summary.c -- summary mode of the engine (see engine.h): per subject and
 * selected output the maximum and its time, the minimum, the AUC, the time
 * above a threshold and the value at t_end, accumulated step by step from the
 * method's dense output instead of storing the trajectory.
 */
#include "internal.h"

/* ---- summary mode ------------------------------------------------------ */

/* the selected outputs of state y at time t into v[n_sel] */
static inline void sel_outputs(subject *s, double t, const double *y, double *v)
{
    const endo_problem *pb = s->pb;
    s->m->output(t, y, s->p, s->u, s->obuf);
    for (size_t j = 0; j < pb->n_sel; j++) {
        v[j] = s->obuf[pb->out_idx[j]];
    }
}

static inline void sm_extreme(double *acc, double v, double t)
{
    if (v > acc[SM_MAX]) {
        acc[SM_MAX] = v;
        acc[SM_TMAX] = t;
    }
    if (v < acc[SM_MIN]) {
        acc[SM_MIN] = v;
    }
}

/* first call at t0 (start) or at an event: the right-continuous value at t */
void ode_sm_point(subject *s, double t, const double *y, int start)
{
    const endo_problem *pb = s->pb;
    double *v = s->vals;
    sel_outputs(s, t, y, v);
    for (size_t j = 0; j < pb->n_sel; j++) {
        double *acc = s->sum + SM_N * j;
        if (start) {
            acc[SM_MAX] = acc[SM_MIN] = v[j];
            acc[SM_TMAX] = t;
            acc[SM_AUC] = acc[SM_ABOVE] = 0.0;
        }
        else {
            sm_extreme(acc, v[j], t);
        }
        s->prev[j] = v[j];
        acc[SM_END] = v[j];
    }
}

/* time above thr on [a, b] for a linear segment from va to vb */
static inline double sm_above(double va, double vb, double thr, double len)
{
    const int ia = va > thr, ib = vb > thr;
    if (ia && ib) {
        return len;
    }
    if (!ia && !ib) {
        return 0.0;
    }
    const double f = (ia ? va - thr : vb - thr) / fabs(vb - va);
    return f * len;
}

/* One accepted step [t, t + h]: outputs at theta = 1/3, 2/3 (dense output)
 * and 1 (yn), AUC by Simpson's 3/8 rule, time above the threshold by linear
 * interpolation between the four nodes, extremes with one parabolic
 * refinement when an interior node is the largest (smallest). */
void ode_sm_step(subject *s, double t, double h, const double *yn, dense_fn dense_at)
{
    const endo_problem *pb = s->pb;
    const size_t n = pb->n_sel;
    double *v1 = s->vals, *v2 = s->vals + n, *v3 = s->vals + 2 * n, *vr = s->vals + 3 * n;
    double *ybuf = s->k[0];
    dense_at(s, 1.0 / 3.0, ybuf);
    sel_outputs(s, t + h / 3.0, ybuf, v1);
    dense_at(s, 2.0 / 3.0, ybuf);
    sel_outputs(s, t + 2.0 * h / 3.0, ybuf, v2);
    sel_outputs(s, t + h, yn, v3);
    for (size_t j = 0; j < n; j++) {
        double *acc = s->sum + SM_N * j;
        const double v[4] = {s->prev[j], v1[j], v2[j], v3[j]};
        const double thr = pb->thresholds ? pb->thresholds[j] : 0.0;
        acc[SM_AUC] += h * (v[0] + 3.0 * v[1] + 3.0 * v[2] + v[3]) / 8.0;
        for (int q = 0; q < 3; q++) {
            acc[SM_ABOVE] += sm_above(v[q], v[q + 1], thr, h / 3.0);
        }
        for (int q = 1; q < 4; q++) {
            sm_extreme(acc, v[q], t + q * h / 3.0);
        }
        acc[SM_END] = v[3];
    }
    /* refine interior extremes: parabola through the node and its neighbours */
    for (int which = 0; which < 2; which++) {
        for (size_t j = 0; j < n; j++) {
            const double v[4] = {s->prev[j], v1[j], v2[j], v3[j]};
            int q = -1;
            for (int c = 1; c <= 2; c++) {
                const int up = which == 0;
                if ((up && v[c] >= v[c - 1] && v[c] >= v[c + 1] && v[c] > v[0] && v[c] > v[3])
                    || (!up && v[c] <= v[c - 1] && v[c] <= v[c + 1] && v[c] < v[0]
                        && v[c] < v[3])) {
                    q = c;
                }
            }
            if (q < 0) {
                continue;
            }
            /* cppcheck-suppress negativeIndex ; q is 1 or 2 here (q < 0 continued) */
            const double a = v[q - 1], b = v[q], c = v[q + 1];
            const double den = a - 2.0 * b + c;
            if (den == 0.0) {
                continue;
            }
            const double off = 0.5 * (a - c) / den;       /* in node spacings, |off| <= 1/2 */
            if (!(fabs(off) <= 0.5)) {
                continue;
            }
            const double theta = (q + off) / 3.0;
            dense_at(s, theta, ybuf);
            sel_outputs(s, t + theta * h, ybuf, vr);
            double *acc = s->sum + SM_N * j;
            sm_extreme(acc, vr[j], t + theta * h);
        }
    }
    for (size_t j = 0; j < n; j++) {
        s->prev[j] = v3[j];
    }
}
