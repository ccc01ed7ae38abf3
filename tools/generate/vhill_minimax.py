"""The minimax polynomials of the AVX-512 Hill kernel (csrc/ufuncs/vhill_avx512.c).

    python tools/generate/vhill_minimax.py        # about 30 s; needs mpmath

Two polynomials, each q in f(x) = x + x^2 q(x) on |x| <= R, fitted under the weight
x^2 (the absolute error of x^2 q is what reaches the result):

* LOG1P_Q: f = log1p, degree 7, R = 1/33 * (1 + 2^-10).  r = m invc_i - 1 of the
  16-entry table (vhill_table.h) stays within 1/33 (tests/ufuncs/test_hill.py checks it).
* EXPM1_Q: f = expm1, degree 4, R = ln2/32 * (1 + 2^-10), the reduced argument of exp.
  The kernel evaluates q(-t), so the odd coefficients enter its C chain with flipped signs.

The fit is a Remez exchange at 160 bits (the reference alternates in sign at degree + 2
points, then moves to the extrema of the error on a Chebyshev grid until they level).
The coefficients are then rounded to double, and the error of the rounded polynomial
evaluated by Horner with one rounding per fma (as the kernel does) is measured on a
grid.  It prints the coefficients as C hex literals and both errors.
"""
from __future__ import annotations

import mpmath as mp

mp.mp.prec = 160

LOG1P = dict(name="LOG1P_Q", degree=7, radius=mp.mpf(1) / 33 * (1 + mp.mpf(2) ** -10),
             f=lambda x: (mp.log1p(x) - x) / x ** 2 if x != 0 else mp.mpf(-0.5))
EXPM1 = dict(name="EXPM1_Q", degree=4, radius=mp.log(2) / 32 * (1 + mp.mpf(2) ** -10),
             f=lambda x: (mp.expm1(x) - x) / x ** 2 if x != 0 else mp.mpf(0.5))


def weighted_error(c, f, x):
    """x^2 (q(x) - f(x)) for the coefficients c (lowest first)."""
    return x ** 2 * (mp.polyval(c[::-1], x) - f(x))


def remez(f, radius, degree, iterations=40, grid=6000):
    """Minimax q of the given degree for f under the weight x^2 on [-radius, radius]."""
    a, b = -radius, radius
    # initial reference: Chebyshev extrema, without the point x = 0 (weight zero)
    xs = [a + (b - a) * (1 - mp.cos(mp.pi * k / (degree + 2))) / 2 for k in range(degree + 3)]
    mid = (degree + 2) // 2
    xs.pop(mid if abs(xs[mid]) < mp.mpf(10) ** -30 else -1)
    dense = [a + (b - a) * (1 - mp.cos(mp.pi * k / grid)) / 2 for k in range(grid + 1)]
    for _ in range(iterations):
        m = degree + 2
        A, y = mp.matrix(m, m), mp.matrix(m, 1)
        for i, x in enumerate(xs):
            for j in range(degree + 1):
                A[i, j] = x ** j
            A[i, degree + 1] = (-1) ** i / x ** 2
            y[i] = f(x)
        sol = mp.lu_solve(A, y)
        c = [sol[j] for j in range(degree + 1)]
        ev = [weighted_error(c, f, x) for x in dense]
        # local extrema of the error, then one per run of equal sign (the largest)
        ext = [(dense[k], ev[k]) for k in range(len(dense))
               if (k == 0 or abs(ev[k]) >= abs(ev[k - 1]))
               and (k == len(dense) - 1 or abs(ev[k]) >= abs(ev[k + 1]))]
        alt: list = []
        for x, e in ext:
            if alt and mp.sign(alt[-1][1]) == mp.sign(e):
                if abs(e) > abs(alt[-1][1]):
                    alt[-1] = (x, e)
            else:
                alt.append((x, e))
        while len(alt) > degree + 2:
            alt.pop(0 if abs(alt[0][1]) < abs(alt[-1][1]) else -1)
        if len(alt) < degree + 2:
            break
        xs = [x for x, _ in alt]
    return c, max(abs(e) for e in ev)


def horner_error(coefs: list[float], f, radius, points: int = 20001) -> float:
    """max |x^2 (q(x) - f(x))| with q evaluated in double by Horner, one rounding per fma."""
    worst = mp.mpf(0)
    for k in range(points):
        x = mp.mpf(float(-radius + 2 * radius * k / (points - 1)))
        q = mp.mpf(coefs[-1])
        for cc in reversed(coefs[:-1]):
            q = mp.mpf(float(q * x + mp.mpf(cc)))
        worst = max(worst, abs(x ** 2 * (q - f(x))))
    return float(worst)


def main() -> None:
    for spec in (LOG1P, EXPM1):
        c, err = remez(spec["f"], spec["radius"], spec["degree"])
        coefs = [float(v) for v in c]
        rounded = horner_error(coefs, spec["f"], spec["radius"])
        print(f"{spec['name']}: degree {spec['degree']}, |x| <= {float(spec['radius']):.6g}: "
              f"minimax error {float(err):.3e}, rounded + Horner {rounded:.3e}")
        print("  coefficients, highest first (as in the C Horner chain):")
        for v in reversed(coefs):
            print(f"    {v.hex()}")


if __name__ == "__main__":
    main()
