/*
 * driver.c -- one subject from t0 to its last output time (see engine.h).
 *
 * Events are breakpoints, never located by step control: the integrator stops
 * exactly at every input switch (`breaks`) and dose time, applies the doses,
 * and restarts the method on the next interval.  On-demand dosing (demand.c)
 * adds state events: a crossing located inside a step ends the interval
 * there, and the end of a lockout is one more breakpoint.
 * Method "auto" starts every subject with Dormand-Prince and, when Hairer's
 * stiffness test (h |lambda| > 3.25 on 15 of the recent accepted steps) fires
 * and the steps left at the current step size are hopeless (AUTO_HOPELESS), or
 * after AUTO_STIFF_STEPS stability-limited steps, or when the step budget runs
 * out, restarts that subject from t0 with Rodas4; shorter stiffness is ridden
 * out explicitly (erk.h).
 */
#include "internal.h"

size_t endo_workspace_size(const endo_problem *prob)
{
    const size_t S = (size_t)prob->model->n_states;
    const size_t O = (size_t)prob->model->n_outputs;
    /* y, ynew, k1..k7, r1..r5 (dense), ytmp, outbuf; Rodas4: Jacobian, LU,
     * pivots, time derivative */
    const size_t D = demand_on(prob) ? S + (size_t)prob->demand_max + 1 : 0;
    return 15 * S + S + O + 8 + 2 * S * S + 2 * S + 11 * prob->n_sel + S + 8 + D;
}

/* Set up subject i in `work` (endo_workspace_size doubles) at t0 with its
 * initial state; returns ENDO_OK or ENDO_INIT_FAILED. */
int ode_subject_begin(subject *s, cursor *c, const endo_problem *pb, size_t i,
                      double *work)
{
    const endo_model *m = pb->model;
    const size_t S = (size_t)m->n_states;
    const size_t U = (size_t)m->n_inputs;
    memset(s, 0, sizeof *s);
    memset(c, 0, sizeof *c);
    s->pb = pb;
    s->m = m;
    s->S = S;
    s->p = pb->params + i * pb->params_stride;
    s->y = work;
    s->ynew = work + S;
    for (int j = 1; j <= 7; j++) {
        s->k[j] = work + (size_t)(1 + j) * S;
    }
    for (int j = 0; j < 5; j++) {
        s->r[j] = work + (size_t)(9 + j) * S;
    }
    s->ytmp = work + 14 * S;
    s->obuf = work + 15 * S;
    s->jac = work + 16 * S + (size_t)m->n_outputs + 8;
    s->lu = s->jac + S * S;
    s->piv = s->lu + S * S;
    s->dfdt = s->piv + S;
    s->sum = s->dfdt + S;
    s->prev = s->sum + SM_N * pb->n_sel;
    s->vals = s->prev + pb->n_sel;
    s->k[0] = s->vals + 4 * pb->n_sel;  /* scratch state for summary nodes */
    s->d_buf = s->k[0] + S + 8;         /* on-demand dosing: a state, the ring */
    s->d_ring = s->d_buf + S;
    s->yout = pb->y + i * pb->n_sel * pb->n_times;
    s->log_facold = LOG_1EM4;

    static const double no_inputs[1] = {0.0};
    c->inputs = pb->inputs ? pb->inputs + i * pb->inputs_stride : NULL;
    s->u = (U > 0) ? c->inputs : no_inputs;
    c->dt = pb->dose_times ? pb->dose_times + i * pb->dose_times_stride : NULL;
    c->da = pb->dose_amounts ? pb->dose_amounts + i * pb->dose_amounts_stride : NULL;
    c->ds = pb->dose_states ? pb->dose_states + i * pb->dose_states_stride : NULL;
    c->bk = pb->breaks ? pb->breaks + i * pb->breaks_stride : NULL;
    c->t = pb->t0;
    c->t_end = pb->n_times ? pb->t_out[pb->n_times - 1] : pb->t0;
    if (demand_on(pb)) {
        ode_demand_begin(s, i);
    }

    if (pb->y0 != NULL) {
        memcpy(s->y, pb->y0 + i * pb->y0_stride, S * sizeof(double));
    }
    else if (m->init != NULL) {
        if (m->init(pb->t0, s->p, s->u, s->y) != 0) {
            return ENDO_INIT_FAILED;
        }
    }
    else {
        memset(s->y, 0, S * sizeof(double));
    }
    return ENDO_OK;
}

/* The events at c->t (input switches, then all the doses at c->t), the
 * right-continuous outputs at c->t and the summary point.  Returns 1 when the
 * subject has reached its end, else 0 with the end of the next interval in *te. */
int ode_subject_events(subject *s, cursor *c, double *te)
{
    const endo_problem *pb = s->pb;
    const size_t U = (size_t)s->m->n_inputs;
    const double t = c->t;
    while (c->ibreak < pb->n_breaks && c->bk[c->ibreak] <= t) {
        c->ibreak++;
        c->seg++;
        s->u = c->inputs + c->seg * U;
    }
    while (c->idose < pb->n_doses && c->dt[c->idose] <= t) {
        s->y[c->ds[c->idose]] += c->da[c->idose];
        c->idose++;
    }
    if (demand_on(pb)) {
        ode_demand_event(s, t);
    }
    while (s->iout < pb->n_times && pb->t_out[s->iout] <= t) {
        emit(s, pb->t_out[s->iout], s->y);
    }
    if (pb->summary != NULL) {
        ode_sm_point(s, t, s->y, t == pb->t0);
    }
    if (t >= c->t_end) {
        return 1;
    }
    double e = c->t_end;
    if (c->ibreak < pb->n_breaks && c->bk[c->ibreak] < e) {
        e = c->bk[c->ibreak];
    }
    if (c->idose < pb->n_doses && c->dt[c->idose] < e) {
        e = c->dt[c->idose];
    }
    if (demand_on(pb) && s->d_next > t && s->d_next < e) {
        e = s->d_next;      /* the end of a lockout (or window) is a breakpoint */
    }
    *te = e;
    return 0;
}

/* The end of one pass over subject i: NaN outputs after a failure, the
 * summary, and its work added to counts (rhs, accepted, rejected, Jacobians). */
void ode_subject_end(subject *s, size_t i, int status, int64_t counts[4])
{
    const endo_problem *pb = s->pb;
    if (status != ENDO_OK && status != ENDO_STIFF) {
        emit_nan_rest(s);
    }
    if (pb->summary != NULL && status != ENDO_STIFF) {
        double *dst = pb->summary + i * pb->n_sel * SM_N;
        for (size_t j = 0; j < pb->n_sel * SM_N; j++) {
            dst[j] = status == ENDO_OK ? s->sum[j] : NAN;
        }
    }
    if (demand_on(pb) && status != ENDO_STIFF) {
        ode_demand_end(s, i);
    }
    counts[0] += s->n_rhs;
    counts[1] += s->n_acc;
    counts[2] += s->n_rej;
    counts[3] += s->n_jac;
}

/* One pass over subject i with one method; adds its work to counts
 * (rhs, accepted, rejected, jacobians).  Returns the status. */
static int run_subject(const endo_problem *pb, size_t i, double *work, int stiff,
                       int64_t counts[4])
{
    subject s;
    cursor c;
    int status = ode_subject_begin(&s, &c, pb, i, work);
    while (status == ENDO_OK) {
        double te;
        if (ode_subject_events(&s, &c, &te)) {
            break;
        }
        status = stiff ? ode_rodas_interval(&s, c.t, te)
                 : pb->tsit5 ? ode_tsit5_interval(&s, c.t, te)
                 : ode_dp5_interval(&s, c.t, te);
        if (status == ENDO_DEMAND) {
            /* stopped at a located demand crossing: the dose is delivered there */
            c.t = s.d_tstar;
            s.d_hit = 1;
            status = ENDO_OK;
        }
        else {
            c.t = te;
        }
    }
    ode_subject_end(&s, i, status, counts);
    return status;
}

/* Store subject i's results; with method auto, first redo it from t0 with
 * the stiff method when the explicit pass gave up (status). */
void ode_subject_store(const endo_problem *pb, size_t i, double *work, int status,
                       int stiff, int64_t counts[4])
{
    if (pb->method == ENDO_METHOD_AUTO && !stiff
        && (status == ENDO_STIFF || status == ENDO_MAX_STEPS)) {
        /* start again from t0 with the stiff method (outputs overwritten) */
        stiff = 1;
        status = run_subject(pb, i, work, 1, counts);
    }
    pb->status[i] = (int8_t)status;
    pb->n_rhs[i] = counts[0];
    pb->n_accepted[i] = counts[1];
    pb->n_rejected[i] = counts[2];
    if (pb->n_jac != NULL) {
        pb->n_jac[i] = counts[3];
    }
    if (pb->used_stiff != NULL) {
        pb->used_stiff[i] = (int8_t)stiff;
    }
}

void endo_integrate_subject(const endo_problem *pb, size_t i, double *work)
{
    int64_t counts[4] = {0, 0, 0, 0};
    const int stiff = pb->method == ENDO_METHOD_STIFF;
    ode_subject_store(pb, i, work, run_subject(pb, i, work, stiff, counts), stiff, counts);
}
