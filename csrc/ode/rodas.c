/*
 * rodas.c -- one subject's interval with the stiff method (see engine.h).
 *
 * The stiff method is Rodas4 (Hairer & Wanner, Solving ODEs II, 2nd ed.,
 * section VI.4; coefficients of their RODAS code): a 6-stage, stiffly
 * accurate, L-stable Rosenbrock method of order 4(3) with a continuous
 * extension of order 3, using the model's analytic Jacobian (forward
 * differences when it has none) and a forward-difference time derivative.
 */
#include "internal.h"


/* ------------------------------------------------------------------------- */
/* Rodas4                                                                     */
/* ------------------------------------------------------------------------- */
static const double RG = 0.25;      /* gamma */
static const double RC2 = 0.386, RC3 = 0.21, RC4 = 0.63;
static const double RD1 = 0.25, RD2 = -0.1043, RD3 = 0.1035, RD4 = -0.03620000000000023;
static const double RA21 = 1.544;
static const double RA31 = 0.9466785280815826, RA32 = 0.2557011698983284;
static const double RA41 = 3.314825187068521, RA42 = 2.896124015972201,
                    RA43 = 0.9986419139977817;
static const double RA51 = 1.221224509226641, RA52 = 6.019134481288629,
                    RA53 = 12.53708332932087, RA54 = -0.6878860361058950;
static const double RC21 = -5.6688;
static const double RC31 = -2.430093356833875, RC32 = -0.2063599157091915;
static const double RC41 = -0.1073529058151375, RC42 = -9.594562251023355,
                    RC43 = -20.47028614809616;
static const double RC51 = 7.496443313967647, RC52 = -10.24680431464352,
                    RC53 = -33.99990352819905, RC54 = 11.70890893206160;
static const double RC61 = 8.083246795921522, RC62 = -7.981132988064893,
                    RC63 = -31.52159432874371, RC64 = 16.31930543123136,
                    RC65 = -6.058818238834054;
/* continuous extension */
static const double RH21 = 10.12623508344586, RH22 = -7.487995877610167,
                    RH23 = -34.80091861555747, RH24 = -7.992771707568823,
                    RH25 = 1.025137723295662;
static const double RH31 = -0.6762803392801253, RH32 = 6.087714651680015,
                    RH33 = 16.43084320892478, RH34 = 24.76722511418386,
                    RH35 = -6.594389125716872;
/* step control (Hairer's RODAS defaults) */
static const double R_SAFE = 0.9, R_FACL = 0.2, R_FACR = 6.0;

/* Jacobian (analytic, or forward differences) and time derivative at (t, y),
 * f0 = f(t, y) given. */
static void rodas_jacobian(subject *s, double t, const double *y, const double *f0)
{
    const size_t S = s->S;
    double *tmp = s->k[7], *ft = s->k[6];
    s->n_jac++;
    if (s->m->jac != NULL) {
        s->m->jac(t, y, s->p, s->u, s->jac);
    }
    else {
        memcpy(tmp, y, S * sizeof(double));
        for (size_t j = 0; j < S; j++) {
            const double d = sqrt(2.2e-16 * fmax(1e-5, fabs(y[j])));
            tmp[j] = y[j] + d;
            rhs(s, t, tmp, ft);
            tmp[j] = y[j];
            for (size_t i = 0; i < S; i++) {
                s->jac[i * S + j] = (ft[i] - f0[i]) / d;
            }
        }
    }
    const double dt = sqrt(2.2e-16 * fmax(1e-5, fabs(t)));
    rhs(s, t + dt, y, ft);
    for (size_t i = 0; i < S; i++) {
        s->dfdt[i] = (ft[i] - f0[i]) / dt;
    }
}

/* LU with partial pivoting of E = I / (gamma h) - J, in place in s->lu.
 * Returns 0, or -1 when a pivot is zero or not finite. */
static int rodas_decompose(subject *s, double h)
{
    const size_t S = s->S;
    double *a = s->lu;
    const double g = 1.0 / (RG * h);
    for (size_t i = 0; i < S * S; i++) {
        a[i] = -s->jac[i];
    }
    for (size_t i = 0; i < S; i++) {
        a[i * S + i] += g;
    }
    for (size_t k = 0; k < S; k++) {
        size_t p = k;
        double best = fabs(a[k * S + k]);
        for (size_t i = k + 1; i < S; i++) {
            if (fabs(a[i * S + k]) > best) {
                best = fabs(a[i * S + k]);
                p = i;
            }
        }
        if (!(best > 0.0) || !isfinite(best)) {
            return -1;
        }
        s->piv[k] = (double)p;
        if (p != k) {
            for (size_t j = 0; j < S; j++) {
                const double tmp = a[k * S + j];
                a[k * S + j] = a[p * S + j];
                a[p * S + j] = tmp;
            }
        }
        const double inv = 1.0 / a[k * S + k];
        for (size_t i = k + 1; i < S; i++) {
            const double l = a[i * S + k] * inv;
            a[i * S + k] = l;
            if (l != 0.0) {
                for (size_t j = k + 1; j < S; j++) {
                    a[i * S + j] -= l * a[k * S + j];
                }
            }
        }
    }
    return 0;
}

/* Solve E x = b in place (b becomes x).  rodas_decompose swaps whole rows, the stored
 * multipliers of earlier columns included (E = P L U as LAPACK's getrf), so every
 * interchange is applied to b first and the unit lower solve comes after (getrs).
 * Applying each interchange just before its column's elimination, as this function
 * once did, is right only when the multipliers stay in place: with whole-row swaps it
 * mixed rows, and a state with no input (activation_pituitary) moved by 1e-3 per step. */
static void rodas_solve(const subject *s, double *b)
{
    const size_t S = s->S;
    const double *a = s->lu;
    for (size_t k = 0; k < S; k++) {
        const size_t p = (size_t)s->piv[k];
        if (p != k) {
            const double tmp = b[k];
            b[k] = b[p];
            b[p] = tmp;
        }
    }
    for (size_t k = 0; k < S; k++) {
        for (size_t i = k + 1; i < S; i++) {
            b[i] -= a[i * S + k] * b[k];
        }
    }
    for (size_t k = S; k-- > 0;) {
        double acc = b[k];
        for (size_t j = k + 1; j < S; j++) {
            acc -= a[k * S + j] * b[j];
        }
        b[k] = acc / a[k * S + k];
    }
}

/* Rodas4 continuous extension at theta of the step just computed (y old,
 * ynew, k1..k5) into out: y(t + th h) = (1 - th) y + th (ynew + (1 - th)(w2 + th w3)) */
static void rodas_dense_at(subject *s, double th, double *out)
{
    const double t1 = 1.0 - th;
    const double *y = s->y, *yn = s->ynew;
    const double *k1 = s->k[1], *k2 = s->k[2], *k3 = s->k[3], *k4 = s->k[4], *k5 = s->k[5];
    for (size_t i = 0; i < s->S; i++) {
        const double w2 = RH21 * k1[i] + RH22 * k2[i] + RH23 * k3[i] + RH24 * k4[i]
                          + RH25 * k5[i];
        const double w3 = RH31 * k1[i] + RH32 * k2[i] + RH33 * k3[i] + RH34 * k4[i]
                          + RH35 * k5[i];
        out[i] = t1 * y[i] + th * (yn[i] + t1 * (w2 + th * w3));
    }
}

/* Rodas4 from ta to tb (> ta) with the inputs of the current segment, writing
 * the outputs requested strictly inside (ta, tb).  Returns a status.
 * Stage values k1..k6 live in s->k[1..6]; f(t, y) in s->k[0]... the DP5
 * arrays are reused: k[7] and k[6] are scratch for the Jacobian. */
int ode_rodas_interval(subject *s, double ta, double tb)
{
    const endo_problem *pb = s->pb;
    const size_t S = s->S;
    double *y = s->y, *yn = s->ynew, *yt = s->ytmp;
    double *f0 = s->r[4];                       /* f(t, y), kept across rejections */
    double *k1 = s->k[1], *k2 = s->k[2], *k3 = s->k[3], *k4 = s->k[4], *k5 = s->k[5];
    double *k6 = s->k[6], *ft = s->k[7];
    double t = ta;
    int fresh = 0;          /* f0, J, dfdt valid at (t, y) */
    int reject = 0;
    int singular = 0;
    if (pb->fixed_step > 0.0) {
        s->h = pb->fixed_step;
    }
    if (tb - ta < 1e-280) {
        /* an interval so short that 1/h overflows (an event a denormal after
         * the previous one): the W-matrix would be inf/NaN and every step
         * rejected down to "step size underflow".  One Euler step is exact
         * to rounding over it. */
        rhs(s, ta, y, f0);
        for (size_t i = 0; i < S; i++) y[i] += (tb - ta) * f0[i];
        while (s->iout < pb->n_times && pb->t_out[s->iout] < tb) {
            emit(s, pb->t_out[s->iout], y);
        }
        return ENDO_OK;
    }

    while (t < tb) {
        if (s->n_acc + s->n_rej >= pb->max_steps) {
            return ENDO_MAX_STEPS;
        }
        if (!fresh) {
            rhs(s, t, y, f0);
            rodas_jacobian(s, t, y, f0);
            fresh = 1;
            /* none yet, or a carried-over step below the time resolution at
             * the start of the interval (see erk_interval) */
            if (s->h <= 0.0 || (t == ta && s->h <= 1e-14 * fmax(fabs(ta), 1.0))) {
                memcpy(s->k[1], f0, S * sizeof(double));
                s->h = ode_initial_step(s, t, tb - t);
            }
        }
        double h;
        int last;
        if (step_to(s->h, t, tb, &h, &last) != ENDO_OK) {
            return ENDO_STEP_UNDERFLOW;
        }
        if (rodas_decompose(s, h) != 0) {
            if (++singular > 10) {
                return ENDO_SINGULAR;
            }
            s->h = 0.5 * h;
            s->n_rej++;
            reject = 1;
            continue;
        }
        singular = 0;
        const double tn = last ? tb : t + h;
        const double ih = 1.0 / h;
        /* stage 1 */
        for (size_t i = 0; i < S; i++) k1[i] = f0[i] + h * RD1 * s->dfdt[i];
        rodas_solve(s, k1);
        /* stage 2 */
        for (size_t i = 0; i < S; i++) yt[i] = y[i] + RA21 * k1[i];
        rhs(s, t + RC2 * h, yt, ft);
        for (size_t i = 0; i < S; i++) k2[i] = ft[i] + ih * RC21 * k1[i] + h * RD2 * s->dfdt[i];
        rodas_solve(s, k2);
        /* stage 3 */
        for (size_t i = 0; i < S; i++) yt[i] = y[i] + RA31 * k1[i] + RA32 * k2[i];
        rhs(s, t + RC3 * h, yt, ft);
        for (size_t i = 0; i < S; i++)
            k3[i] = ft[i] + ih * (RC31 * k1[i] + RC32 * k2[i]) + h * RD3 * s->dfdt[i];
        rodas_solve(s, k3);
        /* stage 4 */
        for (size_t i = 0; i < S; i++)
            yt[i] = y[i] + RA41 * k1[i] + RA42 * k2[i] + RA43 * k3[i];
        rhs(s, t + RC4 * h, yt, ft);
        for (size_t i = 0; i < S; i++)
            k4[i] = ft[i] + ih * (RC41 * k1[i] + RC42 * k2[i] + RC43 * k3[i])
                    + h * RD4 * s->dfdt[i];
        rodas_solve(s, k4);
        /* stage 5 (at t + h) */
        for (size_t i = 0; i < S; i++)
            yn[i] = y[i] + RA51 * k1[i] + RA52 * k2[i] + RA53 * k3[i] + RA54 * k4[i];
        rhs(s, tn, yn, ft);
        for (size_t i = 0; i < S; i++)
            k5[i] = ft[i] + ih * (RC51 * k1[i] + RC52 * k2[i] + RC53 * k3[i] + RC54 * k4[i]);
        rodas_solve(s, k5);
        /* stage 6: the embedded solution y5 + k5; k6 is the error estimate */
        for (size_t i = 0; i < S; i++) yn[i] += k5[i];
        rhs(s, tn, yn, ft);
        for (size_t i = 0; i < S; i++)
            k6[i] = ft[i] + ih * (RC61 * k1[i] + RC62 * k2[i] + RC63 * k3[i]
                                  + RC64 * k4[i] + RC65 * k5[i]);
        rodas_solve(s, k6);
        for (size_t i = 0; i < S; i++) yn[i] += k6[i];

        const double err = err_norm(s, y, yn, k6);
        double fac = pow(maxd(err, 1e-300), 0.25) / R_SAFE;
        if (!isfinite(fac)) {
            fac = 1.0 / R_FACL;
        }
        fac = fmax(1.0 / R_FACR, fmin(1.0 / R_FACL, fac));
        double hnew = h / fac;
        if (err <= 1.0 || pb->fixed_step > 0.0) {
            s->n_acc++;
            for (size_t i = 0; i < S; i++) {
                if (!isfinite(yn[i])) {
                    return ENDO_NONFINITE;
                }
            }
            if (s->d_armed) {
                /* on-demand dosing: a crossing in this step ends the interval there */
                const double gnew = demand_g(s, tn, yn);
                if (demand_true(s, gnew)) {
                    const double th = ode_demand_locate(s, t, h, s->d_gprev, gnew,
                                                        rodas_dense_at);
                    const double tstop = th >= 1.0 ? tn : t + th * h;
                    while (s->iout < pb->n_times && pb->t_out[s->iout] < tstop) {
                        rodas_dense_at(s, (pb->t_out[s->iout] - t) / h, ft);
                        emit(s, pb->t_out[s->iout], ft);
                    }
                    if (th < 1.0) {
                        rodas_dense_at(s, th, s->d_buf);
                        memcpy(y, s->d_buf, S * sizeof(double));
                    }
                    else {
                        memcpy(y, yn, S * sizeof(double));
                    }
                    for (size_t i = 0; i < S; i++) {
                        if (!isfinite(y[i])) {
                            return ENDO_NONFINITE;
                        }
                    }
                    s->h = pb->fixed_step > 0.0 ? pb->fixed_step
                           : (reject ? fmin(hnew, h) : hnew);
                    s->d_tstar = tstop;
                    return ENDO_DEMAND;
                }
                s->d_gprev = gnew;
            }
            /* outputs strictly inside (t, tn) from the continuous extension:
             * y(t + th h) = (1 - th) y + th (ynew + (1 - th)(w2 + th w3)) */
            while (s->iout < pb->n_times && pb->t_out[s->iout] < tn) {
                rodas_dense_at(s, (pb->t_out[s->iout] - t) / h, ft);
                emit(s, pb->t_out[s->iout], ft);
            }
            if (pb->summary != NULL) {
                ode_sm_step(s, t, tn - t, yn, rodas_dense_at);
            }
            memcpy(y, yn, S * sizeof(double));
            t = tn;
            fresh = 0;
            if (reject) {
                hnew = fmin(hnew, h);
            }
            reject = 0;
            if (tn < tb) {
                while (s->iout < pb->n_times && pb->t_out[s->iout] == tn) {
                    emit(s, tn, y);
                }
            }
            if (pb->fixed_step > 0.0) {
                hnew = pb->fixed_step;
            }
            s->h = last ? fmax(hnew, s->h) : hnew;
        }
        else {
            s->n_rej++;
            s->h = hnew;
            reject = 1;
        }
    }
    return ENDO_OK;
}
