"""Gaussian-process surrogate and expected-improvement search over the unit cube.

Everything here works on plain arrays: points in ``[0, 1]^d`` and values to *minimise*. The kernel
is a Matern (nu = 1.5) with one length scale per dimension, an amplitude and a small noise term,
fitted by scikit-learn's ``GaussianProcessRegressor`` on standardised targets (maximum a
posteriori: weak log-normal priors keep the fit sane with few points). Predictions and their
gradients are computed here in numpy so that expected improvement can be optimised with L-BFGS-B.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SQRT3 = math.sqrt(3.0)
_LOG_2PI_HALF = 0.5 * math.log(2.0 * math.pi)

# Hyperparameter bounds and priors, on the log scale used by scikit-learn's ``theta``.
AMPLITUDE_BOUNDS = (1e-2, 1e2)
LENGTH_SCALE_BOUNDS = (1e-2, 1e2)
NOISE_BOUNDS = (1e-7, 5e-1)
AMPLITUDE_PRIOR = (0.0, 1.5)  # mean and standard deviation of log(amplitude)
NOISE_PRIOR = (math.log(1e-4), 3.0)  # of log(noise)
LENGTH_SCALE_PRIOR_BASE = 0.25  # prior median of a length scale, times sqrt(dimensions)
LENGTH_SCALE_PRIOR_SD = 1.5
ARD_MIN_POINTS_PER_DIM = 3  # below this many observations per dimension, one length scale

MAX_FIT_POINTS = 64  # observations used to fit the hyperparameters
MAX_CONDITION_POINTS = 150  # observations the posterior is conditioned on
ENUMERATE_LIMIT = 20_000  # discrete spaces up to this size are scored point by point
NEIGHBOUR_ROUNDS = 20  # steps outward from run points when every candidate was run
MAX_NEIGHBOURS = 2_000


@dataclass(frozen=True)
class Hyperparameters:
    """Fitted kernel hyperparameters (targets standardised)."""

    amplitude: float
    length_scale: FloatArray
    noise: float


def matern15(a: FloatArray, b: FloatArray, hp: Hyperparameters) -> FloatArray:
    """The Matern nu = 1.5 kernel matrix between the rows of ``a`` and of ``b``."""
    r = SQRT3 * _scaled_distance(a, b, hp.length_scale)
    return hp.amplitude * (1.0 + r) * np.exp(-r)


def _scaled_distance(a: FloatArray, b: FloatArray, length_scale: FloatArray) -> FloatArray:
    a = a / length_scale
    b = b / length_scale
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0))


class Posterior:
    """GP posterior given training points ``x`` (n, d), standardised values ``y`` (n,)."""

    def __init__(self, x: FloatArray, y: FloatArray, hp: Hyperparameters) -> None:
        from scipy.linalg import cho_solve, cholesky

        self.x = x
        self.hp = hp
        k = matern15(x, x, hp)
        jitter = 1e-10
        while True:
            try:
                self.chol = cholesky(k + (hp.noise + jitter) * np.eye(len(x)), lower=True)
                break
            except np.linalg.LinAlgError:
                jitter *= 100.0
                if jitter > 1.0:
                    raise
        self.alpha = cho_solve((self.chol, True), y)
        self.k_inv = cho_solve((self.chol, True), np.eye(len(x)))

    def predict(self, xs: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and standard deviation of the latent function at ``xs`` (m, d)."""
        ks = matern15(xs, self.x, self.hp)
        mean = ks @ self.alpha
        var = np.maximum(self.hp.amplitude - ((ks @ self.k_inv) * ks).sum(1), 1e-14)
        return mean, np.sqrt(var)

    def predict_with_gradient(
        self, xs: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Mean, standard deviation and their gradients (m, d) at ``xs``."""
        ls = self.hp.length_scale
        diff = xs[:, None, :] - self.x[None, :, :]  # (m, n, d)
        r = SQRT3 * np.sqrt(((diff / ls) ** 2).sum(-1))
        e = np.exp(-r)
        ks = self.hp.amplitude * (1.0 + r) * e
        dk = (-3.0 * self.hp.amplitude) * e[:, :, None] * diff / (ls * ls)  # (m, n, d)
        mean = ks @ self.alpha
        dmean = np.einsum("mnd,n->md", dk, self.alpha)
        w = self.k_inv @ ks.T  # (n, m)
        var = np.maximum(self.hp.amplitude - np.einsum("mn,nm->m", ks, w), 1e-14)
        dvar = -2.0 * np.einsum("mnd,nm->md", dk, w)
        sd = np.sqrt(var)
        return mean, sd, dmean, dvar / (2.0 * sd)[:, None]


def _neg_log_posterior(
    theta: FloatArray, x: FloatArray, y: FloatArray, mean: FloatArray, sd: FloatArray
) -> tuple[float, FloatArray]:
    """Negative log marginal likelihood plus log prior, and its gradient, for
    ``theta = log([amplitude, length_scale..., noise])`` (scikit-learn's layout)."""
    from scipy.linalg import cho_solve, cholesky

    n, d = x.shape
    k = len(theta) - 2  # d length scales, or one shared by every dimension
    amp = math.exp(theta[0])
    ls = np.exp(theta[1 : k + 1]) if k == d else np.full(d, math.exp(theta[1]))
    noise = math.exp(theta[k + 1])
    xs = x / ls
    sq = (xs * xs).sum(1)
    r = SQRT3 * np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (xs @ xs.T), 0.0))
    e = np.exp(-r)
    kf = amp * (1.0 + r) * e
    try:
        chol = cholesky(kf + (noise + 1e-10) * np.eye(n), lower=True)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta)
    alpha = cho_solve((chol, True), y)
    nll = 0.5 * float(y @ alpha) + float(np.log(np.diag(chol)).sum()) + n * _LOG_2PI_HALF
    w = np.outer(alpha, alpha) - cho_solve((chol, True), np.eye(n))  # d nll = -0.5 tr(w dK)
    grad = np.empty_like(theta)
    grad[0] = -0.5 * float((w * kf).sum())
    m = w * e * (3.0 * amp)
    row = m.sum(1)
    # sum_ab m_ab (x_aj - x_bj)^2 / ls_j^2, for symmetric m
    quad = 2.0 * (row @ (xs * xs)) - 2.0 * np.einsum("aj,ab,bj->j", xs, m, xs)
    grad[1 : k + 1] = -0.5 * quad if k == d else -0.5 * quad.sum()
    grad[k + 1] = -0.5 * noise * float(np.trace(w))
    z = (theta - mean) / sd
    return nll + 0.5 * float(z @ z), grad + z / sd


def fit_hyperparameters(
    x: FloatArray, y: FloatArray, rng: np.random.Generator, restarts: int = 2
) -> Hyperparameters:
    """Fit the kernel to standardised ``y``: scikit-learn's GaussianProcessRegressor with a
    maximum-a-posteriori optimiser (L-BFGS-B from the prior mean and ``restarts`` draws)."""
    from scipy.optimize import minimize
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    n, d = x.shape
    # Length scales grow with the dimension (Hvarfner et al., 2024, "vanilla BO in high dims").
    ls_mean = math.log(LENGTH_SCALE_PRIOR_BASE) + 0.5 * math.log(d)
    # With few points per dimension, one shared length scale (fewer knobs to overfit).
    k = d if n >= ARD_MIN_POINTS_PER_DIM * d else 1
    start_ls: float | FloatArray = np.full(d, math.exp(ls_mean)) if k == d else math.exp(ls_mean)
    kernel = ConstantKernel(1.0, AMPLITUDE_BOUNDS) * Matern(
        length_scale=start_ls, length_scale_bounds=LENGTH_SCALE_BOUNDS, nu=1.5
    ) + WhiteKernel(1e-4, NOISE_BOUNDS)
    mean = np.concatenate([[AMPLITUDE_PRIOR[0]], np.full(k, ls_mean), [NOISE_PRIOR[0]]])
    sd = np.concatenate([[AMPLITUDE_PRIOR[1]], np.full(k, LENGTH_SCALE_PRIOR_SD), [NOISE_PRIOR[1]]])

    def optimizer(
        obj_func: Callable[..., tuple[float, FloatArray]],
        initial_theta: FloatArray,
        bounds: FloatArray,
    ) -> tuple[FloatArray, float]:
        # ``obj_func`` is scikit-learn's generic likelihood; the closed form below is the same
        # model (Matern 1.5 x constant + white noise) plus the prior, about 10x faster.
        starts = [np.clip(mean, bounds[:, 0], bounds[:, 1])]
        for _ in range(restarts):
            starts.append(np.clip(rng.normal(mean, 0.7 * sd), bounds[:, 0], bounds[:, 1]))
        best_theta, best_value = initial_theta, math.inf
        for start in starts:
            res = minimize(
                _neg_log_posterior,
                start,
                args=(x, y, mean, sd),
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 200},
            )
            if res.fun < best_value:
                best_theta, best_value = np.asarray(res.x), float(res.fun)
        # A hair inside the bounds: scikit-learn warns about values at a bound.
        return np.clip(best_theta, bounds[:, 0] + 1e-3, bounds[:, 1] - 1e-3), best_value

    gp = GaussianProcessRegressor(
        kernel=kernel, alpha=1e-10, optimizer=optimizer, copy_X_train=False
    )
    gp.fit(x, y)
    fitted: Any = gp.kernel_
    length_scale = np.asarray(fitted.k1.k2.length_scale, dtype=float)
    return Hyperparameters(
        amplitude=float(fitted.k1.k1.constant_value),
        length_scale=np.broadcast_to(length_scale, (d,)).copy(),
        noise=float(fitted.k2.noise_level),
    )


def log_expected_improvement(
    mean: FloatArray, sd: FloatArray, best: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """log EI for minimisation, and its derivatives with respect to ``mean`` and ``sd``.

    Computed without underflow far from the incumbent (where EI itself would be 0.0), so that
    candidates stay comparable and the gradient stays useful.
    """
    from scipy.special import erfcx, ndtr

    z = (best - mean) / sd
    log_phi = -0.5 * z * z - _LOG_2PI_HALF
    log_h = np.empty_like(z)  # h(z) = phi(z) + z Phi(z); EI = sd * h(z)
    cdf_over_h = np.empty_like(z)
    pdf_over_h = np.empty_like(z)

    pos = z > 0.0
    zp = z[pos]
    phi_p = np.exp(log_phi[pos])
    cdf_p = ndtr(zp)
    h = phi_p + zp * cdf_p
    log_h[pos] = np.log(h)
    cdf_over_h[pos] = cdf_p / h
    pdf_over_h[pos] = phi_p / h

    neg = ~pos
    zn = z[neg]
    ratio = math.sqrt(math.pi / 2.0) * erfcx(-zn / math.sqrt(2.0))  # Phi(z) / phi(z)
    q = 1.0 + zn * ratio  # h(z) / phi(z), exact enough above z = -6
    far = zn < -6.0
    inv2 = 1.0 / (zn[far] * zn[far])
    q[far] = inv2 * (1.0 - 3.0 * inv2 + 15.0 * inv2**2 - 105.0 * inv2**3 + 945.0 * inv2**4)
    q = np.maximum(q, 1e-300)
    log_h[neg] = log_phi[neg] + np.log(q)
    cdf_over_h[neg] = ratio / q
    pdf_over_h[neg] = 1.0 / q

    log_ei = np.log(sd) + log_h
    return log_ei, -cdf_over_h / sd, pdf_over_h / sd


@dataclass
class Space:
    """How the unit cube maps to real points: snapping of discrete dimensions, exclusions."""

    snap: Callable[[FloatArray], FloatArray] | None = None
    """Moves points onto the values a discrete dimension can take (identity elsewhere)."""
    discrete: bool = False
    """Every dimension is discrete: gradients are not used, and exclusions apply."""
    excluded: Callable[[FloatArray], BoolArray] | None = None
    """For snapped points, True where the point was already run or is in flight."""
    enumerate_free: Callable[[int], FloatArray | None] | None = None
    """All points not excluded, when at most the given number; None when there are more."""
    neighbours: Callable[[FloatArray], FloatArray] | None = None
    """The points one value away (in any one dimension) from each given point."""


def suggest(
    x: FloatArray,
    y: FloatArray,
    pending: FloatArray,
    rng: np.random.Generator,
    space: Space | None = None,
) -> FloatArray:
    """Next point to evaluate: maximise expected improvement over the minimum of ``y``.

    ``pending`` points (in flight) are added with the predicted mean as their value.
    """
    from threadpoolctl import threadpool_limits

    # The matrices are small: one BLAS thread is several times faster than many.
    with threadpool_limits(limits=1, user_api="blas"):
        return _suggest(x, y, pending, rng, space or Space())


def _suggest(
    x: FloatArray, y: FloatArray, pending: FloatArray, rng: np.random.Generator, space: Space
) -> FloatArray:
    keep = _subset(y, MAX_CONDITION_POINTS, rng)
    x, y = x[keep], y[keep]
    y_mean = float(y.mean())
    y_sd = float(y.std()) or 1.0
    ys = (y - y_mean) / y_sd
    fit = _subset(ys, MAX_FIT_POINTS, rng)
    restarts = 2 if len(ys) < 32 else 1 if len(ys) <= 100 else 0
    hp = fit_hyperparameters(x[fit], ys[fit], rng, restarts=restarts)
    post = Posterior(x, ys, hp)
    if len(pending):
        pending = pending[rng.permutation(len(pending))[:MAX_CONDITION_POINTS]]
        fantasy, _ = post.predict(pending)
        post = Posterior(np.vstack([x, pending]), np.concatenate([ys, fantasy]), hp)
    best = float(ys.min())
    return _maximise(post, best, x, ys, rng, space)


def _subset(y: FloatArray, cap: int, rng: np.random.Generator) -> NDArray[np.intp]:
    """Indices of at most ``cap`` observations: the best half by value, and a random half of
    the rest (all of them when there are few enough)."""
    n = len(y)
    if n <= cap:
        return np.arange(n)
    order = np.argsort(y)
    rest = rng.choice(order[cap // 2 :], cap - cap // 2, replace=False)
    return np.concatenate([order[: cap // 2], rest])


def _score(post: Posterior, best: float, u: FloatArray) -> FloatArray:
    mean, sd = post.predict(u)
    return log_expected_improvement(mean, sd, best)[0]


def _candidates(
    x: FloatArray, ys: FloatArray, hp: Hyperparameters, rng: np.random.Generator
) -> FloatArray:
    n, d = x.shape
    # Fewer candidates when many observations make each one dearer to score.
    many = n > 100
    n_random = min(1500, 250 + 100 * d) if many else min(4000, 500 + 250 * d)
    parts = [rng.random((n_random, d))]
    top = x[np.argsort(ys)[: min(5, n)]]
    scale = np.minimum(hp.length_scale, 1.0)
    for s in (0.02, 0.1, 0.3):
        for point in top:
            parts.append(point + rng.normal(0.0, 1.0, (40 if many else 60, d)) * (s * scale))
    return np.clip(np.vstack(parts), 0.0, 1.0)


def _maximise(
    post: Posterior,
    best: float,
    x: FloatArray,
    ys: FloatArray,
    rng: np.random.Generator,
    space: Space,
) -> FloatArray:
    snap = space.snap or (lambda u: u)
    if space.discrete and space.enumerate_free is not None:
        free = space.enumerate_free(ENUMERATE_LIMIT)
        if free is not None and len(free):
            return free[int(np.argmax(_score(post, best, free)))]
    cand = snap(_candidates(x, ys, post.hp, rng))
    scores = _score(post, best, cand)
    if not space.discrete:
        starts = cand[np.argsort(-scores)[:6]]
        polished = snap(_polish(post, best, starts))
        cand = np.vstack([cand, polished])
        scores = np.concatenate([scores, _score(post, best, polished)])
    if space.discrete and space.excluded is not None:
        taken = space.excluded(cand)
        frontier = cand[np.argsort(-scores)[:8]]
        for _ in range(NEIGHBOUR_ROUNDS):
            if not taken.all() or space.neighbours is None or not len(frontier):
                break
            # Every candidate was run already: walk outward, one value at a time.
            frontier = np.unique(space.neighbours(frontier), axis=0)[:MAX_NEIGHBOURS]
            cand = np.vstack([cand, frontier])
            scores = np.concatenate([scores, _score(post, best, frontier)])
            taken = np.concatenate([taken, space.excluded(frontier)])
        if taken.all():
            return cand[int(np.argmax(scores))]
        scores = np.where(taken, -np.inf, scores)
    return cand[int(np.argmax(scores))]


def _polish(post: Posterior, best: float, starts: FloatArray) -> FloatArray:
    """Local L-BFGS-B ascent of log EI from each start, all starts optimised jointly."""
    from scipy.optimize import minimize

    m, d = starts.shape

    def objective(flat: FloatArray) -> tuple[float, FloatArray]:
        u = flat.reshape(m, d)
        mean, sd, dmean, dsd = post.predict_with_gradient(u)
        log_ei, d_mean, d_sd = log_expected_improvement(mean, sd, best)
        grad = d_mean[:, None] * dmean + d_sd[:, None] * dsd
        return float(-log_ei.sum()), -grad.ravel()

    res = minimize(
        objective,
        starts.ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (m * d),
        options={"maxiter": 100},
    )
    return np.clip(np.asarray(res.x).reshape(m, d), 0.0, 1.0)
