"""The error function and its inverse, written with differentiable Tensor ops."""

from __future__ import annotations

import math

from arraygrad.core import ops
from arraygrad.core.tensor import Tensor

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
# as in his SPECFUN routine CALERF: relative error below 1e-16 on the whole real line. Written
# with Tensor ops so that autograd differentiates them; each branch sees its input clamped to
# its own range, so the branches `where` does not pick stay finite (their zero gradient would
# otherwise be 0 * inf = NaN).

_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
          1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
          8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
          2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
          3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
          6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
          2.33520497626869185e-3)
_ERF_SMALL = 0.46875  # below: erf by a rational function of x**2
_ERF_MID = 4.0  # below: erfc(x) = exp(-x**2) * rational(x); above: an asymptotic rational in 1 / x**2
_ERF_BIG = 27.0  # erfc(27) underflows float64; larger inputs are clamped here


def _exp_minus_square(y: Tensor) -> Tensor:
    """``exp(-y**2)`` with ``y**2`` split as ``t**2 + (y - t)(y + t)`` (``t`` = y rounded down to
    1/16), which keeps the rounding error of ``y**2`` out of the exponent, as Cody does."""
    t = ops.div(ops.floor(ops.mul(y, 16.0)), 16.0)
    rest = ops.mul(ops.sub(y, t), ops.add(y, t))
    return ops.mul(ops.exp(ops.neg(ops.mul(t, t))), ops.exp(ops.neg(rest)))


def _clip_inclusive(x: Tensor, lo: float, hi: float) -> Tensor:
    """``x`` limited to ``[lo, hi]`` with gradient 1 on the closed interval (``clamp``'s is 0 at a
    bound, which would zero a piecewise formula's derivative where its piece ends)."""
    return ops.where(ops.lt(x, lo), lo, ops.where(ops.gt(x, hi), hi, x))


def _erf_parts(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(erf(x) for |x| <= 0.46875, erfc(|x|) for larger |x|, mask of the first region)``."""
    ax = ops.abs(x)
    small = ops.le(ax, _ERF_SMALL)
    # |x| <= 0.46875: erf(x) = x * P(x^2) / Q(x^2)
    xs = _clip_inclusive(x, -_ERF_SMALL, _ERF_SMALL)
    z = ops.mul(xs, xs)
    num, den = ops.mul(z, _ERF_A[4]), z
    for i in range(3):
        num, den = ops.mul(ops.add(num, _ERF_A[i]), z), ops.mul(ops.add(den, _ERF_B[i]), z)
    erf_small = ops.div(ops.mul(xs, ops.add(num, _ERF_A[3])), ops.add(den, _ERF_B[3]))
    # 0.46875 < |x| <= 4: erfc(|x|) = exp(-x^2) * C(|x|) / D(|x|)
    ym = _clip_inclusive(ax, _ERF_SMALL, _ERF_MID)
    num, den = ops.mul(ym, _ERF_C[8]), ym
    for i in range(7):
        num, den = ops.mul(ops.add(num, _ERF_C[i]), ym), ops.mul(ops.add(den, _ERF_D[i]), ym)
    erfc_mid = ops.mul(_exp_minus_square(ym), ops.div(ops.add(num, _ERF_C[7]), ops.add(den, _ERF_D[7])))
    # |x| > 4: erfc(|x|) = exp(-x^2) / |x| * (1/sqrt(pi) - P(1/x^2) / Q(1/x^2) / x^2)
    yl = _clip_inclusive(ax, _ERF_MID, _ERF_BIG)
    z = ops.reciprocal(ops.mul(yl, yl))
    num, den = ops.mul(z, _ERF_P[5]), z
    for i in range(4):
        num, den = ops.mul(ops.add(num, _ERF_P[i]), z), ops.mul(ops.add(den, _ERF_Q[i]), z)
    tail = ops.div(ops.mul(z, ops.add(num, _ERF_P[4])), ops.add(den, _ERF_Q[4]))
    erfc_large = ops.mul(_exp_minus_square(yl), ops.div(ops.rsub(tail, 1.0 / math.sqrt(math.pi)), yl))
    erfc_abs = ops.where(ops.le(ax, _ERF_MID), erfc_mid, erfc_large)
    return erf_small, erfc_abs, small


def _erf(x: Tensor) -> Tensor:
    """The error function, differentiable (float64-accurate; see Cody above)."""
    erf_small, erfc_abs, small = _erf_parts(x)
    erf_big = ops.mul(ops.rsub(erfc_abs, 1.0), ops.sign(x.detach()))
    return ops.where(small, erf_small, erf_big)


def _erfc(x: Tensor) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate in the tail."""
    erf_small, erfc_abs, small = _erf_parts(x)
    erfc_big = ops.where(ops.gt(x, 0), erfc_abs, ops.rsub(erfc_abs, 2.0))
    return ops.where(small, ops.rsub(erf_small, 1.0), erfc_big)


# M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011): single-precision
# polynomials, refined by Newton steps on _erf to full precision.
_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                   -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                0.00943887047, 1.00167406, 2.83297682)


def _erfinv(y: Tensor) -> Tensor:
    """The inverse error function on (-1, 1) (not differentiable through the Newton steps' choice;
    meant for sampling under ``no_grad``)."""
    w = ops.neg(ops.log(ops.mul(ops.rsub(y, 1.0), ops.add(y, 1.0))))
    wc = ops.sub(ops.clamp(w, max=5.0), 2.5)
    wt = ops.sub(ops.sqrt(ops.clamp(w, min=5.0)), 3.0)
    pc = ops.mul(ops.add(ops.mul(wc, 0.0), 1.0), _ERFINV_CENTRAL[0])
    pt = ops.mul(ops.add(ops.mul(wt, 0.0), 1.0), _ERFINV_TAIL[0])
    for a, b in zip(_ERFINV_CENTRAL[1:], _ERFINV_TAIL[1:]):
        pc = ops.add(ops.mul(pc, wc), a)
        pt = ops.add(ops.mul(pt, wt), b)
    x = ops.mul(ops.where(ops.lt(w, 5.0), pc, pt), y)
    for _ in range(2):
        step = ops.div(ops.sub(_erf(x), y), ops.mul(ops.exp(ops.neg(ops.mul(x, x))), 2.0 / math.sqrt(math.pi)))
        x = ops.sub(x, step)
    return x
