/*
 * lanes.c -- subjects side by side in SIMD lanes (see engine.h).
 *
 * Each lane has a scalar subject of its own (its own workspace, events,
 * outputs, summary and step control: driver.c and erk.h); the lanes share only
 * the stages, computed in structure-of-arrays form, a[i * LN + l], with the
 * model's rhs_lanes.  Every operation of a lane's stage, error and
 * dense-output arithmetic is the scalar one, in the same order, so a lane's
 * results are bitwise those of endo_integrate_subject (tests compare them).
 * Interval starts (k1 and the initial step) run scalar, on the lane's own
 * subject, then its state is copied into the lanes.  A lane whose subject is
 * done takes the next one at once: lanes never wait for each other.  Idle
 * lanes (no subjects left) step with h = 0 and are ignored.
 */
#include "../portable.h"
#include "erk.h"

#define LN ENDO_LANES

typedef struct {
    subject s;
    cursor c;
    double *work;           /* this lane's scalar workspace */
    size_t i;               /* its subject */
    int live;               /* a subject is in the lane */
    int stepping;           /* inside an interval */
    int status, reject, last;
    double t, tb, h;        /* time, end of the interval, this step's size */
    int64_t counts[4];
} lane;

size_t endo_lanes_workspace_size(const endo_problem *pb)
{
    const endo_model *m = pb->model;
    if (m->rhs_lanes == NULL || !pb->lanes || pb->method == ENDO_METHOD_STIFF
        || pb->fixed_step > 0.0 || demand_on(pb)) {
        /* on-demand dosing: one subject at a time (its state events stop a
         * lane's step where the others go on) */
        return 0;
    }
    const size_t S = (size_t)m->n_states, P = (size_t)m->n_params;
    const size_t U = (size_t)m->n_inputs > 0 ? (size_t)m->n_inputs : 1;
    const size_t nd = m->output_states ? (size_t)m->n_output_states : S;
    const size_t O = (size_t)m->n_outputs;
    /* lanes' own workspaces; y, ynew, k1..k7, ytmp; params; inputs; dense; and
     * for output_lanes each lane's params and inputs in every column, the
     * points (S) and their outputs (O), and the padded times of the last group */
    return LN * endo_workspace_size(pb) + LN * (10 * S + P + U + 5 * nd)
           + LN * LN * (P + U) + LN * (S + O + 1);
}

/* Copy lane l's column of a (n x LN) into / out of the contiguous v[n]. */
static inline void col_put(double *a, size_t n, int l, const double *v)
{
    for (size_t i = 0; i < n; i++) {
        a[i * LN + (size_t)l] = v[i];
    }
}

static inline void col_get(const double *a, size_t n, int l, double *v)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = a[i * LN + (size_t)l];
    }
}

typedef struct {
    const endo_problem *pb;
    endo_next_fn next;
    void *ctx;
    size_t S, U;
    double *Y, *YN, *K[8], *YT, *PP, *UU, *R[5];
    /* output_lanes: lane l's params and inputs repeated in every column, the
     * points and their times and outputs */
    double *PR[LN], *UR[LN], *YP, *TPT, *OP;
} lanes_ctx;

/* v[n] into every column of a (n x LN) */
static inline void col_fill(double *a, size_t n, const double *v)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < LN; k++) {
            a[i * LN + (size_t)k] = v[i];
        }
    }
}

/* Bring lane l to its next step: finish subjects, take new ones, pass events,
 * start intervals, until the lane has a step to take (stepping, ln->h set) or
 * no subject is left (not live). */
static void lane_prepare(lanes_ctx *x, lane *ln, int l)
{
    const endo_problem *pb = x->pb;
    const endo_model *m = pb->model;
    for (;;) {
        if (!ln->live) {
            const size_t i = x->next(x->ctx);
            if (i == ENDO_NO_SUBJECT) {
                ln->stepping = 0;
                return;
            }
            ln->i = i;
            ln->live = 1;
            ln->stepping = 0;
            ln->counts[0] = ln->counts[1] = ln->counts[2] = ln->counts[3] = 0;
            ln->status = ode_subject_begin(&ln->s, &ln->c, pb, i, ln->work);
            col_put(x->PP, (size_t)m->n_params, l, ln->s.p);
            if (m->output_lanes != NULL) {
                col_fill(x->PR[l], (size_t)m->n_params, ln->s.p);
            }
        }
        if (ln->status != ENDO_OK) {
            /* done: store (auto's stiff retry runs here, scalar) */
            ode_subject_end(&ln->s, ln->i, ln->status, ln->counts);
            ode_subject_store(pb, ln->i, ln->work, ln->status, 0, ln->counts);
            ln->live = 0;
            ln->stepping = 0;
            continue;
        }
        if (!ln->stepping) {
            double te;
            if (ode_subject_events(&ln->s, &ln->c, &te)) {
                ode_subject_end(&ln->s, ln->i, ENDO_OK, ln->counts);
                ode_subject_store(pb, ln->i, ln->work, ENDO_OK, 0, ln->counts);
                ln->live = 0;
                continue;
            }
            erk_begin(&ln->s, ln->c.t, te);
            col_put(x->Y, x->S, l, ln->s.y);
            col_put(x->K[1], x->S, l, ln->s.k[1]);
            if (m->n_inputs > 0) {
                col_put(x->UU, x->U, l, ln->s.u);
                if (m->output_lanes != NULL) {
                    col_fill(x->UR[l], x->U, ln->s.u);
                }
            }
            ln->t = ln->c.t;
            ln->tb = te;
            ln->reject = 0;
            ln->stepping = 1;
        }
        const int plan = erk_plan(&ln->s, ln->t, ln->tb, &ln->h, &ln->last);
        if (plan == ENDO_OK) {
            return;
        }
        ln->status = plan;
        ln->stepping = 0;
    }
}

/* emit_inside for lane l, reading the dense-output coefficients where the
 * lanes computed them (dense and dense_poly's arithmetic) */
static inline ENDO_ALWAYS_INLINE void
lane_emit_inside(const lanes_ctx *x, subject *s, int l, double t, double h, double tnew,
                 const int tsit)
{
    const endo_problem *pb = s->pb;
    const int *idx = s->m->output_states;
    const size_t n = idx ? (size_t)s->m->n_output_states : s->S;
    const double *restrict r0 = x->R[0] + l, *restrict r1 = x->R[1] + l;
    const double *restrict r2 = x->R[2] + l, *restrict r3 = x->R[3] + l;
    const double *restrict r4 = x->R[4] + l;
    double *restrict yt = s->ytmp;
    if (s->m->output_lanes != NULL) {
        /* LN points at a time, the dense output vectorised over the points.  The
         * group's times are read straight from t_out, the points after the last
         * one inside the step included (their outputs are computed and dropped);
         * only the group at the end of t_out is padded with its last point. */
        double *restrict YP = x->YP, *restrict TPT = x->TPT;
        while (s->iout < pb->n_times && pb->t_out[s->iout] < tnew) {
            int np = 0;
            while (np < LN && s->iout + (size_t)np < pb->n_times
                   && pb->t_out[s->iout + (size_t)np] < tnew) {
                np++;
            }
            const double *tg = pb->t_out + s->iout;
            if (s->iout + LN > pb->n_times) {
                for (int k = 0; k < LN; k++) {
                    TPT[k] = tg[k < np ? k : np - 1];
                }
                tg = TPT;
            }
            double th[LN], th1[LN];
#pragma omp simd
            for (int k = 0; k < LN; k++) {
                th[k] = (tg[k] - t) / h;
                th1[k] = 1.0 - th[k];
            }
            for (size_t j = 0; j < n; j++) {
                const size_t i = idx ? (size_t)idx[j] : j, b = j * LN;
                const double a0 = r0[b], a1 = r1[b], a2 = r2[b], a3 = r3[b], a4 = r4[b];
                double *restrict yp = YP + i * LN;
                if (tsit) {
#pragma omp simd
                    for (int k = 0; k < LN; k++) {
                        yp[k] = a0 + th[k] * (a1 + th[k] * (a2 + th[k] * (a3 + th[k] * a4)));
                    }
                }
                else {
#pragma omp simd
                    for (int k = 0; k < LN; k++) {
                        yp[k] = a0 + th[k] * (a1 + th1[k] * (a2 + th[k] * (a3 + th1[k] * a4)));
                    }
                }
            }
            s->m->output_lanes(tg, YP, x->PR[l], x->UR[l], x->OP);
            for (size_t j = 0; j < pb->n_sel; j++) {
                const double *o = x->OP + (size_t)pb->out_idx[j] * LN;
                double *dst = s->yout + j * pb->n_times + s->iout;
                for (int k = 0; k < np; k++) {
                    dst[k] = o[k];
                }
            }
            s->iout += (size_t)np;
        }
        return;
    }
    while (s->iout < pb->n_times && pb->t_out[s->iout] < tnew) {
        const double to = pb->t_out[s->iout];
        const double theta = (to - t) / h, th1 = 1.0 - theta;
        for (size_t j = 0; j < n; j++) {
            const size_t i = idx ? (size_t)idx[j] : j, b = j * LN;
            if (tsit) {
                yt[i] = r0[b] + theta * (r1[b] + theta * (r2[b]
                        + theta * (r3[b] + theta * r4[b])));
            }
            else {
                yt[i] = r0[b] + theta * (r1[b] + th1 * (r2[b]
                        + theta * (r3[b] + th1 * r4[b])));
            }
        }
        emit(s, to, yt);
    }
}

/* stmt for every state i and lane l, vectorised over the lanes; a = i LN + l */
#define FOR_STATES_AND_LANES(stmt)                                                    \
    for (size_t i = 0; i < S; i++) {                                                  \
        _Pragma("omp simd") for (int l = 0; l < LN; l++) {                            \
            const size_t a = i * LN + (size_t)l;                                      \
            stmt;                                                                     \
        }                                                                             \
    }

/* the stage times t + c h of all lanes */
static inline ENDO_ALWAYS_INLINE void lane_times(double *tt, const double *t,
                                                             const double *h, double c)
{
#pragma omp simd
    for (int l = 0; l < LN; l++) tt[l] = t[l] + c * h[l];
}

static inline ENDO_ALWAYS_INLINE void
lanes_run(const endo_problem *pb, endo_next_fn next, void *ctx, double *work, const int tsit)
{
    const endo_model *m = pb->model;
    const size_t S = (size_t)m->n_states;
    const int *oidx = m->output_states;
    const size_t nd = oidx ? (size_t)m->n_output_states : S;
    const int is_auto = pb->method == ENDO_METHOD_AUTO;
    const double rtol = pb->rtol, atol = pb->atol;
    lanes_ctx x;
    memset(&x, 0, sizeof x);
    x.pb = pb;
    x.next = next;
    x.ctx = ctx;
    x.S = S;
    x.U = (size_t)m->n_inputs > 0 ? (size_t)m->n_inputs : 1;
    lane ln[LN];
    memset(ln, 0, sizeof ln);
    const size_t ws = endo_workspace_size(pb);
    double *q = work + LN * ws;
    x.Y = q;
    x.YN = q + S * LN;
    for (int j = 1; j <= 7; j++) {
        x.K[j] = q + (size_t)(1 + j) * S * LN;
    }
    x.YT = q + 9 * S * LN;
    x.PP = q + 10 * S * LN;
    x.UU = x.PP + (size_t)m->n_params * LN;
    for (int j = 0; j < 5; j++) {
        x.R[j] = x.UU + x.U * LN + (size_t)j * nd * LN;
    }
    double *q2 = x.R[4] + nd * LN;
    for (int l = 0; l < LN; l++) {
        x.PR[l] = q2 + (size_t)l * ((size_t)m->n_params + x.U) * LN;
        x.UR[l] = x.PR[l] + (size_t)m->n_params * LN;
    }
    x.YP = q2 + LN * ((size_t)m->n_params + x.U) * LN;
    x.OP = x.YP + S * LN;
    x.TPT = x.OP + (size_t)m->n_outputs * LN;
    memset(q, 0, (size_t)(x.TPT + LN - q) * sizeof(double));
    for (int l = 0; l < LN; l++) {
        ln[l].work = work + (size_t)l * ws;
    }
    ERK_COEFFICIENTS(tsit);
    double *restrict Y = x.Y, *restrict YN = x.YN, *restrict YT = x.YT;
    double *restrict K1 = x.K[1], *restrict K2 = x.K[2], *restrict K3 = x.K[3];
    double *restrict K4 = x.K[4], *restrict K5 = x.K[5], *restrict K6 = x.K[6];
    double *restrict K7 = x.K[7];
    const double *PP = x.PP, *UU = x.UU;

    for (;;) {
        double T[LN], H[LN], TL[LN], TT[LN], EN[LN], HL[LN];
        int any = 0;
        for (int l = 0; l < LN; l++) {
            lane_prepare(&x, &ln[l], l);
            any |= ln[l].stepping;
            T[l] = ln[l].stepping ? ln[l].t : 0.0;
            H[l] = ln[l].stepping ? ln[l].h : 0.0;
            TL[l] = ln[l].stepping && ln[l].last ? ln[l].tb : T[l] + H[l];
        }
        if (!any) {
            break;
        }
        /* the stages: the scalar erk_interval's arithmetic, lane by lane */
        lane_times(TT, T, H, c2);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * a21 * K1[a]);
        m->rhs_lanes(TT, YT, PP, UU, K2);
        lane_times(TT, T, H, c3);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a31 * K1[a] + a32 * K2[a]));
        m->rhs_lanes(TT, YT, PP, UU, K3);
        lane_times(TT, T, H, c4);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a41 * K1[a] + a42 * K2[a] + a43 * K3[a]));
        m->rhs_lanes(TT, YT, PP, UU, K4);
        lane_times(TT, T, H, c5);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a51 * K1[a] + a52 * K2[a] + a53 * K3[a]
                                                    + a54 * K4[a]));
        m->rhs_lanes(TT, YT, PP, UU, K5);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a61 * K1[a] + a62 * K2[a] + a63 * K3[a]
                                                    + a64 * K4[a] + a65 * K5[a]));
        m->rhs_lanes(TL, YT, PP, UU, K6);
        if (tsit) {
            FOR_STATES_AND_LANES(YN[a] = Y[a] + H[l] * (a71 * K1[a] + TA72 * K2[a] + a73 * K3[a]
                                                        + a74 * K4[a] + a75 * K5[a]
                                                        + a76 * K6[a]));
        }
        else {
            FOR_STATES_AND_LANES(YN[a] = Y[a] + H[l] * (a71 * K1[a] + a73 * K3[a] + a74 * K4[a]
                                                        + a75 * K5[a] + a76 * K6[a]));
        }
        m->rhs_lanes(TL, YN, PP, UU, K7);
        if (is_auto) {
            double num[LN], den[LN];
            for (int l = 0; l < LN; l++) num[l] = den[l] = 0.0;
            FOR_STATES_AND_LANES(num[l] += (K7[a] - K6[a]) * (K7[a] - K6[a]);
                                 den[l] += (YN[a] - YT[a]) * (YN[a] - YT[a]));
            for (int l = 0; l < LN; l++) {
                HL[l] = (den[l] > 0.0) ? H[l] * sqrt(num[l] / den[l]) : 0.0;
            }
        }
        /* the error norm (err_norm's arithmetic) */
        for (int l = 0; l < LN; l++) EN[l] = 0.0;
        for (size_t i = 0; i < S; i++) {
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const size_t a = i * LN + (size_t)l;
                double e;
                if (tsit) {
                    e = H[l] * (TE1 * K1[a] + TE2 * K2[a] + TE3 * K3[a] + TE4 * K4[a]
                                + TE5 * K5[a] + TE6 * K6[a] + TE7 * K7[a]);
                }
                else {
                    e = H[l] * (E1 * K1[a] + E3 * K3[a] + E4 * K4[a] + E5 * K5[a]
                                + E6 * K6[a] + E7 * K7[a]);
                }
                const double ya = fabs(Y[a]), yb = fabs(YN[a]);
                const double sc = atol + rtol * (ya > yb ? ya : yb);
                const double qq = e / sc;
                EN[l] += qq * qq;
            }
        }
        /* which lanes accept, and whether any needs the dense output */
        int acc[LN], dense_any = 0;
        for (int l = 0; l < LN; l++) {
            const double err = sqrt(EN[l] / (double)S);
            EN[l] = err;
            acc[l] = ln[l].stepping && err <= 1.0;
            if (acc[l]) {
                const double tnew = ln[l].last ? ln[l].tb : ln[l].t + ln[l].h;
                dense_any |= pb->summary != NULL
                             || (ln[l].s.iout < pb->n_times && pb->t_out[ln[l].s.iout] < tnew);
            }
        }
        if (dense_any) {
            double *restrict R0 = x.R[0], *restrict R1 = x.R[1], *restrict R2 = x.R[2];
            double *restrict R3 = x.R[3], *restrict R4 = x.R[4];
            for (size_t j = 0; j < nd; j++) {
                const size_t i = oidx ? (size_t)oidx[j] : j;
#pragma omp simd
                for (int l = 0; l < LN; l++) {
                    const size_t a = i * LN + (size_t)l, b = j * LN + (size_t)l;
                    R0[b] = Y[a];
                    if (tsit) {
                        R2[b] = H[l] * (TP[0][0] * K1[a] + TP[0][1] * K2[a] + TP[0][2] * K3[a]
                                        + TP[0][3] * K4[a] + TP[0][4] * K5[a]
                                        + TP[0][5] * K6[a] + TP[0][6] * K7[a]);
                        R3[b] = H[l] * (TP[1][0] * K1[a] + TP[1][1] * K2[a] + TP[1][2] * K3[a]
                                        + TP[1][3] * K4[a] + TP[1][4] * K5[a]
                                        + TP[1][5] * K6[a] + TP[1][6] * K7[a]);
                        R4[b] = H[l] * (TP[2][0] * K1[a] + TP[2][1] * K2[a] + TP[2][2] * K3[a]
                                        + TP[2][3] * K4[a] + TP[2][4] * K5[a]
                                        + TP[2][5] * K6[a] + TP[2][6] * K7[a]);
                        R1[b] = H[l] * K1[a];
                    }
                    else {
                        const double ydiff = YN[a] - Y[a];
                        const double bspl = H[l] * K1[a] - ydiff;
                        R1[b] = ydiff;
                        R2[b] = bspl;
                        R3[b] = ydiff - H[l] * K7[a] - bspl;
                        R4[b] = H[l] * (D1 * K1[a] + D3 * K3[a] + D4 * K4[a] + D5 * K5[a]
                                        + D6 * K6[a] + D7 * K7[a]);
                    }
                }
            }
        }
        /* each lane's step control, outputs and summary: the scalar code */
        for (int l = 0; l < LN; l++) {
            lane *ls = &ln[l];
            if (!ls->stepping) {
                continue;
            }
            subject *s = &ls->s;
            const double h = ls->h, t = ls->t, err = EN[l];
            s->n_rhs += 6;
            const double le = log(maxd(err, 1e-300));
            if (!acc[l]) {
                s->n_rej++;
                s->h = pi_rejected(err, le, h);
                ls->reject = 1;
                continue;
            }
            s->n_acc++;
            const double tnew = ls->last ? ls->tb : t + h;
            lane_emit_inside(&x, s, l, t, h, tnew, tsit);
            if (pb->summary != NULL) {
                for (size_t j = 0; j < nd; j++) {
                    const size_t i = oidx ? (size_t)oidx[j] : j;
                    for (int r = 0; r < 5; r++) {
                        s->r[r][i] = x.R[r][j * LN + (size_t)l];
                    }
                }
                col_get(YN, S, l, s->ynew);
                ode_sm_step(s, t, tnew - t, s->ynew,
                            tsit ? ode_ts5_dense_at : ode_dp5_dense_at);
            }
            const double hnew = pi_accepted(s, le, h, ls->reject);
            ls->reject = 0;
            if (is_auto) {
                s->stiff_hl = HL[l];
                if (auto_stiffness(s, h, tnew) != ENDO_OK) {
                    ls->status = ENDO_STIFF;
                    ls->stepping = 0;
                    acc[l] = 0;
                    continue;
                }
            }
            ls->t = tnew;
            int finite = 1;
            for (size_t i = 0; i < S; i++) {
                finite &= isfinite(YN[i * LN + (size_t)l]) != 0;
            }
            if (!finite) {
                ls->status = ENDO_NONFINITE;
                ls->stepping = 0;
                acc[l] = 0;
                continue;
            }
            if (tnew < ls->tb && s->iout < pb->n_times && pb->t_out[s->iout] == tnew) {
                col_get(YN, S, l, s->y);
                while (s->iout < pb->n_times && pb->t_out[s->iout] == tnew) {
                    emit(s, tnew, s->y);
                }
            }
            s->h = ls->last ? fmax(hnew, s->h) : hnew;
            if (ls->last) {
                /* the interval is done: its events run scalar, from s->y */
                col_get(YN, S, l, s->y);
                ls->c.t = ls->tb;
                ls->stepping = 0;
            }
        }
        /* accepted lanes move on: y = ynew, k1 = k7 (FSAL) */
        double keep[LN];
        for (int l = 0; l < LN; l++) keep[l] = acc[l] ? 0.0 : 1.0;
        for (size_t i = 0; i < S; i++) {
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const size_t a = i * LN + (size_t)l;
                Y[a] = keep[l] != 0.0 ? Y[a] : YN[a];
                K1[a] = keep[l] != 0.0 ? K1[a] : K7[a];
            }
        }
    }
}

ENDO_CLONES static void lanes_dp5(const endo_problem *pb, endo_next_fn next, void *ctx,
                                      double *work)
{
    lanes_run(pb, next, ctx, work, 0);
}

ENDO_CLONES static void lanes_ts5(const endo_problem *pb, endo_next_fn next, void *ctx,
                                      double *work)
{
    lanes_run(pb, next, ctx, work, 1);
}

void endo_integrate_lanes(const endo_problem *pb, endo_next_fn next, void *ctx, double *work)
{
    if (pb->tsit5) {
        lanes_ts5(pb, next, ctx, work);
    }
    else {
        lanes_dp5(pb, next, ctx, work);
    }
}
