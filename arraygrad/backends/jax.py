"""JAX adapter: ``jax.numpy`` is an array API namespace; indexed updates use ``.at[]``.

JAX creates 64-bit arrays only with ``jax_enable_x64``. PyTorch programs need int64 (labels,
indices, ``from_numpy`` of numpy's default integers), so this backend turns 64-bit mode on when
it starts, unless the environment sets ``JAX_ENABLE_X64`` explicitly (``JAX_ENABLE_X64=0`` keeps
it off; then arraygrad refuses 64-bit dtypes on jax instead of silently computing in 32 bits).
64-bit mode is process-wide: other jax code in the process then gets jax's 64-bit defaults
(``jnp.arange(3)`` is int64, ``jnp.asarray(1.0)`` float64); arrays given an explicit dtype are
unaffected, and arraygrad's own float32 tensors stay float32.

``ag.compile`` uses ``compile_program`` (``jax.jit`` ahead of time, with donated buffers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad.backends.reference import Array, Backend, Key, TracedValueError, _sigmoid


def _enable_x64_unless_configured(jax: Any) -> None:
    """Turn jax's 64-bit mode on unless ``JAX_ENABLE_X64`` was set (either way) by the user."""
    import os

    if "JAX_ENABLE_X64" not in os.environ and not jax.config.read("jax_enable_x64"):
        jax.config.update("jax_enable_x64", True)


class JaxBackend(Backend):
    name = "jax"
    fork_safe = False  # XLA's thread pools do not survive a fork: a child that compiles hangs
    can_compile = True

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp

        _enable_x64_unless_configured(jax)
        self._jax = jax
        self._tracer = jax.core.Tracer
        errors = jax.errors
        self.host_read_errors = (
            TracedValueError, errors.ConcretizationTypeError, errors.TracerArrayConversionError,
            errors.TracerBoolConversionError, errors.TracerIntegerConversionError,
            errors.NonConcreteBooleanIndexError,
        )
        self.xp = jnp
        super().__init__()
        self._build_conv()
        self._build_lstm()
        self._build_gru()
        if not self.supports_float64:
            import warnings

            warnings.warn(
                "arraygrad: jax 64-bit mode is off (JAX_ENABLE_X64 is set to false), so float64 and int64 "
                "(PyTorch's dtype for indices and labels) will raise on the jax backend; unset JAX_ENABLE_X64 "
                "or set it to 1 before starting Python",
                stacklevel=3,
            )

    @property
    def supports_float64(self) -> bool:  # type: ignore[override]
        return bool(self._jax.config.read("jax_enable_x64"))

    def native_dtype(self, name: str) -> Any:
        if name in ("float64", "int64", "uint64", "complex128") and not self.supports_float64:
            raise TypeError(
                f"backend 'jax' cannot create {name} arrays because 64-bit mode is off; set the "
                "environment variable JAX_ENABLE_X64=1 before starting Python (or call "
                "jax.config.update('jax_enable_x64', True) before creating arrays)"
            )
        return super().native_dtype(name)

    def device_of(self, array: Array) -> str:
        try:
            dev = next(iter(array.devices()))
        except AttributeError:
            return "cpu"
        if dev.platform == "cpu":
            return "cpu"
        # PyTorch calls NVIDIA (and ROCm) GPUs "cuda"
        kind = "cuda" if dev.platform in ("gpu", "cuda", "rocm") else dev.platform
        return f"{kind}:{dev.id}"

    def to_device(self, array: Array, index: int | None) -> Array:
        if index is None:
            return array
        if index == -1:
            target = self._jax.devices("cpu")[0]
        else:
            devices = self._cuda_devices() or self._jax.devices()
            if index >= len(devices):
                raise ValueError(f"backend 'jax' has {len(devices)} device(s); asked for device {index}")
            target = devices[index]
        try:
            if array.devices() == {target}:
                return array
        except Exception:  # a traced value inside a compiled step has no devices: device_put handles it
            pass
        return self._jax.device_put(array, target)

    # CUDA device queries for arraygrad.cuda
    def _cuda_devices(self) -> list[Any]:
        found: list[Any] | None = getattr(self, "_gpus", None)
        if found is None:
            try:
                found = list(self._jax.devices("gpu"))
            except RuntimeError:  # jax was built or started without GPU support
                found = []
            self._gpus = found
        return found

    def cuda_device_count(self) -> int:
        return len(self._cuda_devices())

    def cuda_device_properties(self, index: int) -> dict[str, Any]:
        dev = self._cuda_devices()[index]
        capability = str(getattr(dev, "compute_capability", "") or "")
        major, _, minor = capability.partition(".")
        stats = dev.memory_stats() or {}
        return {
            "name": dev.device_kind,
            "major": int(major) if major.isdigit() else None, "minor": int(minor) if minor.isdigit() else None,
            "total_memory": stats.get("bytes_limit"), "multi_processor_count": getattr(dev, "core_count", None),
        }

    def cuda_memory_stats(self, index: int) -> dict[str, int]:
        stats = self._cuda_devices()[index].memory_stats() or {}
        return {
            "allocated_bytes": int(stats.get("bytes_in_use", 0)),
            "peak_allocated_bytes": int(stats.get("peak_bytes_in_use", 0)),
            "reserved_bytes": int(stats.get("bytes_reserved", stats.get("pool_bytes", 0))),
        }

    def cuda_reset_peak_memory(self, index: int) -> None:
        import warnings

        warnings.warn(
            "arraygrad: jax cannot reset its peak-memory counter; max_memory_allocated() on the jax backend "
            "reports the peak since the process started",
            stacklevel=3,
        )

    def synchronize(self) -> None:
        self._jax.effects_barrier()

    def asarray(self, data: Any, dtype: Any) -> Array:
        if isinstance(data, np.ndarray) or not hasattr(data, "__array_namespace__"):
            # host data: convert on the host and put it on the device (jnp.asarray would
            # compile a copy kernel for every new shape)
            # NOTE: device_put may alias an aligned host buffer on CPU; copy first, or a later
            # write to the caller's numpy array would change an "immutable" jax array
            return self._jax.device_put(np.array(data, dtype=dtype, copy=True))
        return self.xp.asarray(data, dtype=dtype)

    def from_numpy(self, array: np.ndarray, dtype: Any = None) -> Array:
        # refuse 64-bit data without x64 instead of letting jax truncate it silently
        self.native_dtype(np.dtype(array.dtype).name if dtype is None else np.dtype(dtype).name)
        return self._jax.device_put(np.array(array, dtype=dtype, copy=True))  # see asarray

    def copy(self, array: Array) -> Array:
        return array  # jax arrays are immutable: sharing one is as good as a copy

    def to_numpy(self, array: Array) -> np.ndarray:
        if isinstance(array, self._tracer):
            raise TracedValueError("the value of a tensor is needed on the host")
        return np.asarray(array)

    # ------------------------------------------------------------------ ag.compile
    def is_traced(self, array: Array, like: Any = None) -> bool:
        if not isinstance(array, self._tracer):
            return False
        # a tracer kept alive from an earlier trace (a failed call's traceback holds its frames) is not
        # a value of this one
        return like is None or getattr(array, "_trace", None) is getattr(like, "_trace", None)

    def trace_program(self, fn: Any, args: tuple[Any, ...], donate: tuple[int, ...]) -> tuple[Any, list[Any]]:
        traced = self._jax.jit(fn, donate_argnums=donate).trace(*args)
        return (lambda: traced.lower().compile()), list(traced.jaxpr.consts)

    def fetch(self, arrays: list[Array]) -> list[Any]:
        return list(self._jax.device_get(arrays))

    def getitem(self, x: Array, key: Key) -> Array:
        # bounds were checked by the caller (jax itself would clamp silently)
        return x[key]

    def getitem_grad(self, shape: tuple[int, ...], key: Key, grad: Array) -> Array:
        return self.xp.zeros(shape, dtype=grad.dtype).at[key].add(grad)

    def setitem(self, x: Array, key: Key, value: Array) -> Array:
        return x.at[key].set(value)

    def index_add(self, x: Array, axis: int, index: Array, source: Array) -> Array:
        return x.at[(slice(None),) * axis + (index,)].add(source)

    def add_at(self, out: Array, key: Key, value: Array) -> Array:
        return out.at[key].add(value)

    def set_at(self, out: Array, key: Key, value: Array) -> Array:
        return out.at[key].set(value)

    # convolutions: XLA's native kernel, its gradients by jax.vjp; compiled once per shape
    def conv(self, x: Array, w: Array, stride: Any, padding: Any, dilation: Any, groups: int) -> Array:
        return self._conv_fwd(x, w, stride, padding, dilation, groups)

    def conv_grad_input(self, g: Array, w: Array, x_shape: Any, stride: Any, padding: Any, dilation: Any,
                        groups: int) -> Array:
        return self._conv_dx(g, w, tuple(x_shape), stride, padding, dilation, groups)

    def conv_grad_weight(self, x: Array, g: Array, w_shape: Any, stride: Any, padding: Any, dilation: Any,
                         groups: int) -> Array:
        return self._conv_dw(x, g, tuple(w_shape), stride, padding, dilation, groups)

    # the LSTM recurrence as one lax.scan each way (compiled once per shape; inlined under ag.compile)
    def lstm_forward(self, xw: Array, h0: Array, c0: Array, w_hh: Array, reverse: bool) -> tuple[Array, Array, Array]:
        return self._lstm_fwd(xw, h0, c0, w_hh, bool(reverse))

    def lstm_backward(self, dhs: Array, dc_n: Array, hs: Array, cs: Array, gates: Array, h0: Array, c0: Array,
                      w_hh: Array, reverse: bool) -> tuple[Array, Array, Array, Array]:
        return self._lstm_bwd(dhs, dc_n, hs, cs, gates, h0, c0, w_hh, bool(reverse))

    def _build_lstm(self) -> None:
        jax, lax, jnp = self._jax, self._jax.lax, self.xp

        def sigmoid(x: Any) -> Any:  # the reference kernel's formula
            return _sigmoid(jnp, x)

        def fwd(xw: Any, h0: Any, c0: Any, w_hh: Any, reverse: bool) -> Any:
            n_hidden, w_t = h0.shape[-1], w_hh.T

            def step(carry: Any, z_in: Any) -> Any:
                h, c = carry
                z = z_in + h @ w_t
                i, f = sigmoid(z[:, :n_hidden]), sigmoid(z[:, n_hidden: 2 * n_hidden])
                g, o = jnp.tanh(z[:, 2 * n_hidden: 3 * n_hidden]), sigmoid(z[:, 3 * n_hidden:])
                c = f * c + i * g
                h = o * jnp.tanh(c)
                return (h, c), (h, c, jnp.concatenate([i, f, g, o], axis=-1))

            _, (hs, cs, gates) = lax.scan(step, (h0, c0), xw, reverse=reverse)
            return hs, cs, gates

        def bwd(dhs: Any, dc_n: Any, hs: Any, cs: Any, gates: Any, h0: Any, c0: Any, w_hh: Any, reverse: bool) -> Any:
            n_hidden = h0.shape[-1]
            if reverse:  # the state before each step sits one position later
                c_prev = jnp.concatenate([cs[1:], c0[None]], axis=0)
                h_prev = jnp.concatenate([hs[1:], h0[None]], axis=0)
            else:
                c_prev = jnp.concatenate([c0[None], cs[:-1]], axis=0)
                h_prev = jnp.concatenate([h0[None], hs[:-1]], axis=0)

            def step(carry: Any, inputs: Any) -> Any:
                dh_carry, dc = carry
                dh_t, c_t, cp, gt = inputs
                i, f = gt[:, :n_hidden], gt[:, n_hidden: 2 * n_hidden]
                g, o = gt[:, 2 * n_hidden: 3 * n_hidden], gt[:, 3 * n_hidden:]
                dh = dh_t + dh_carry
                tc = jnp.tanh(c_t)
                dc = dc + dh * o * (1.0 - tc * tc)
                dz = jnp.concatenate([dc * g * (i * (1.0 - i)), dc * cp * (f * (1.0 - f)), dc * i * (1.0 - g * g),
                                      dh * tc * (o * (1.0 - o))], axis=-1)
                return (dz @ w_hh, dc * f), dz

            (dh0, dc0), dz = lax.scan(step, (jnp.zeros_like(h0), dc_n), (dhs, cs, c_prev, gates),
                                      reverse=not reverse)
            rows = dz.shape[0] * dz.shape[1]
            dw = dz.reshape(rows, 4 * n_hidden).T @ h_prev.reshape(rows, n_hidden)
            return dz, dh0, dc0, dw

        self._lstm_fwd = jax.jit(fwd, static_argnums=(4,))
        self._lstm_bwd = jax.jit(bwd, static_argnums=(8,))

    # the GRU recurrence as one lax.scan each way
    def gru_forward(self, xw: Array, h0: Array, w_hh: Array, b_hh: Array | None,
                    reverse: bool) -> tuple[Array, Array, Array]:
        if b_hh is None:
            b_hh = self.xp.zeros((w_hh.shape[0],), dtype=w_hh.dtype)
        return self._gru_fwd(xw, h0, w_hh, b_hh, bool(reverse))

    def gru_backward(self, dhs: Array, hs: Array, gates: Array, h_n_proj: Array, h0: Array, w_hh: Array,
                     reverse: bool) -> tuple[Array, Array, Array, Array]:
        return self._gru_bwd(dhs, hs, gates, h_n_proj, h0, w_hh, bool(reverse))

    def _build_gru(self) -> None:
        jax, lax, jnp = self._jax, self._jax.lax, self.xp

        def sigmoid(x: Any) -> Any:  # the reference kernel's formula
            return _sigmoid(jnp, x)

        def fwd(xw: Any, h0: Any, w_hh: Any, b_hh: Any, reverse: bool) -> Any:
            n_hidden, w_t = h0.shape[-1], w_hh.T

            def step(h: Any, x_t: Any) -> Any:
                hw = h @ w_t + b_hh
                r = sigmoid(x_t[:, :n_hidden] + hw[:, :n_hidden])
                z = sigmoid(x_t[:, n_hidden: 2 * n_hidden] + hw[:, n_hidden: 2 * n_hidden])
                h_n = hw[:, 2 * n_hidden:]
                n = jnp.tanh(x_t[:, 2 * n_hidden:] + r * h_n)
                h = n + z * (h - n)
                return h, (h, jnp.concatenate([r, z, n], axis=-1), h_n)

            _, (hs, gates, h_n_proj) = lax.scan(step, h0, xw, reverse=reverse)
            return hs, gates, h_n_proj

        def bwd(dhs: Any, hs: Any, gates: Any, h_n_proj: Any, h0: Any, w_hh: Any, reverse: bool) -> Any:
            n_hidden = h0.shape[-1]
            # the state before each step (one position later when running in reverse)
            h_prev = jnp.concatenate([hs[1:], h0[None]], axis=0) if reverse else jnp.concatenate([h0[None], hs[:-1]], axis=0)

            def step(dh_carry: Any, inputs: Any) -> Any:
                dh_t, hp, gt, h_n = inputs
                r, z, n = gt[:, :n_hidden], gt[:, n_hidden: 2 * n_hidden], gt[:, 2 * n_hidden:]
                dh = dh_t + dh_carry
                dn = dh * (1.0 - z) * (1.0 - n * n)
                dz = dh * (hp - n) * (z * (1.0 - z))
                dr = dn * h_n * (r * (1.0 - r))
                dhw = jnp.concatenate([dr, dz, dn * r], axis=-1)
                return dh * z + dhw @ w_hh, (jnp.concatenate([dr, dz, dn], axis=-1), dhw)

            dh0, (dxw, dhw) = lax.scan(step, jnp.zeros_like(h0), (dhs, h_prev, gates, h_n_proj), reverse=not reverse)
            rows = dhw.shape[0] * dhw.shape[1]
            flat = dhw.reshape(rows, 3 * n_hidden)
            return dxw, dh0, flat.T @ h_prev.reshape(rows, n_hidden), flat.sum(axis=0)

        self._gru_fwd = jax.jit(fwd, static_argnums=(4,))
        self._gru_bwd = jax.jit(bwd, static_argnums=(6,))

    def _build_conv(self) -> None:
        jax, lax = self._jax, self._jax.lax

        def fwd(x: Any, w: Any, stride: Any, padding: Any, dilation: Any, groups: int) -> Any:
            return lax.conv_general_dilated(
                x, w, window_strides=stride, padding=padding, rhs_dilation=dilation, feature_group_count=groups,
                precision=lax.Precision.HIGHEST,
            )

        def dx(g: Any, w: Any, x_shape: Any, stride: Any, padding: Any, dilation: Any, groups: int) -> Any:
            zeros = self.xp.zeros(x_shape, dtype=g.dtype)
            _, vjp = jax.vjp(lambda x: fwd(x, w, stride, padding, dilation, groups), zeros)
            return vjp(g)[0]

        def dw(x: Any, g: Any, w_shape: Any, stride: Any, padding: Any, dilation: Any, groups: int) -> Any:
            zeros = self.xp.zeros(w_shape, dtype=g.dtype)
            _, vjp = jax.vjp(lambda w: fwd(x, w, stride, padding, dilation, groups), zeros)
            return vjp(g)[0]

        self._conv_fwd = jax.jit(fwd, static_argnums=(2, 3, 4, 5))
        self._conv_dx = jax.jit(dx, static_argnums=(2, 3, 4, 5, 6))
        self._conv_dw = jax.jit(dw, static_argnums=(2, 3, 4, 5, 6))

    def random_bits(self, key: tuple[int, int], counter: int, n: int) -> Array:
        # The reference Threefry run by numpy on the host, then one transfer: identical bits, and
        # no per-size compilation (eager jax would dispatch ~100 small ops; jit compiles per shape).
        # Inside a compiled step the counter is traced: the reference kernel runs in the program.
        if not isinstance(counter, int):
            return super().random_bits(key, counter, n)
        from arraygrad.backends import get

        return self.xp.asarray(get("numpy").random_bits(key, counter, n))
