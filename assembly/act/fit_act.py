#!/usr/bin/python3
"""Fits the coefficients used in act_f32.ts (run with /usr/bin/python3; needs only numpy).

tanh(x) ~ x P(x^2) / Q(x^2) on (0, 9.1], P and Q of degree 4 in x^2, Q(0) = 1;
exp(r)  ~ p(r) on [-ln2/2, ln2/2], degree 5.
Both minimise the maximum *relative* error by linearised least squares with Lawson
reweighting (w_i <- w_i |e_i|), the rational fit re-linearised around the previous Q
(Loeb's iteration). The best iterate is printed as float32 values, then evaluated in float32
(unfused, as the plain-SIMD build) against float64 to estimate the rounding error.
"""
import numpy as np

TANH_CLAMP = 9.1  # beyond ~9.01 the correctly rounded f32 tanh is exactly 1


def fit_tanh(m=4, n=4, c=TANH_CLAMP, iters=1000, npts=20000):
    t = np.linspace(0, np.pi / 2, npts)[1:]
    x = np.sort(np.concatenate([c * np.sin(t), np.linspace(1e-4, c, npts)]))
    u, f = x * x, np.tanh(x)
    w, q_prev, best = np.ones_like(x) / len(x), np.ones_like(x), None
    for _ in range(iters):
        cols = [x * u ** i for i in range(m + 1)] + [-f * u ** j for j in range(1, n + 1)]
        a = np.stack(cols, 1) / (f * q_prev)[:, None]
        sw = np.sqrt(w)
        sol = np.linalg.lstsq(a * sw[:, None], sw / q_prev, rcond=None)[0]
        p, q = sol[:m + 1], np.concatenate([[1.0], sol[m + 1:]])
        qv = np.polyval(q[::-1], u)
        e = (x * np.polyval(p[::-1], u) / qv - f) / f
        if best is None or np.abs(e).max() < best[0]:
            best = (np.abs(e).max(), p.copy(), q.copy())
        q_prev = qv
        w = w * np.abs(e) + 1e-300
        w /= w.sum()
    return best


def fit_exp(deg=5, iters=400, npts=8000):
    h = np.log(2) / 2
    x = np.linspace(-h, h, npts)
    y = np.exp(x)
    w, best = np.ones_like(x) / npts, None
    for _ in range(iters):
        a = np.stack([x ** i for i in range(deg + 1)], 1) / y[:, None]
        sw = np.sqrt(w)
        c = np.linalg.lstsq(a * sw[:, None], sw, rcond=None)[0]
        e = (np.polyval(c[::-1], x) - y) / y
        if best is None or np.abs(e).max() < best[0]:
            best = (np.abs(e).max(), c.copy())
        w = w * np.abs(e) + 1e-300
        w /= w.sum()
    return best


if __name__ == "__main__":
    f32 = np.float32
    err, p, q = fit_tanh()
    p32, q32 = [f32(v) for v in p], [f32(v) for v in q]
    print("tanh rational: exact-arithmetic max rel error %.3g" % err)
    print("  P", [repr(float(v)) for v in p32])
    print("  Q", [repr(float(v)) for v in q32])
    xs = np.linspace(-20, 20, 4000001).astype(f32)
    x = np.clip(xs, f32(-TANH_CLAMP), f32(TANH_CLAMP))
    u = x * x
    pv, qv = p32[4], q32[4]
    for k in range(3, -1, -1):
        pv = (pv * u + p32[k]).astype(f32)
        qv = (qv * u + q32[k]).astype(f32)
    y = np.clip((x * pv) / qv, -1, 1).astype(f32)
    t = np.tanh(xs.astype(np.float64))
    ae, nz = np.abs(y - t), xs != 0
    print("  float32 evaluation: max abs %.3g, max rel %.3g" % (ae.max(), (ae[nz] / np.abs(t[nz])).max()))
    err, c = fit_exp()
    print("exp polynomial: exact-arithmetic max rel error %.3g" % err)
    print("  c", [repr(float(f32(v))) for v in c])
