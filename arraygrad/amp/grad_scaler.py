"""``GradScaler``: dynamic loss scaling for float16 training, as ``torch.amp.GradScaler``.

A float16 gradient underflows to zero where a float32 one would not; multiplying the loss by a
large factor before ``backward()`` keeps small gradients representable. ``step()`` divides the
gradients by the factor again, skips the optimizer step when any gradient is inf or NaN (the
factor was too large), and ``update()`` shrinks the factor after a skipped step and grows it
after ``growth_interval`` good ones in a row.

The scale lives in a 0-d float32 tensor on the device of the first scaled output (the growth
tracker in a 0-d int32 one) and is updated with tensor ops, as PyTorch does; only ``step()``
reads a value on the host (whether to skip), and ``get_scale()``/``state_dict()``.
"""

from __future__ import annotations

import warnings
from collections import abc, defaultdict
from enum import Enum
from typing import Any

from arraygrad import backends
from arraygrad.core import creation, dtypes, ops
from arraygrad.core.autograd import no_grad
from arraygrad.core.tensor import Tensor

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    """Where one optimizer is in the current iteration."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf": None}


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients, adapt the scale.

    ::

        scaler = ag.amp.GradScaler("cpu")
        for x, y in loader:
            opt.zero_grad()
            with ag.autocast("cpu", dtype=ag.float16):
                loss = loss_fn(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)      # unscales, and skips the step if a gradient is inf/NaN
            scaler.update()

    Args:
        device: ``"cuda"`` (the default, as in PyTorch) or ``"cpu"``. ``"cuda"`` without a CUDA
            backend warns and disables the scaler, as PyTorch does without CUDA.
        init_scale: the first scale factor.
        growth_factor: the factor the scale is multiplied by after ``growth_interval``
            iterations without inf/NaN gradients.
        backoff_factor: the factor the scale is multiplied by after an iteration with inf/NaN
            gradients.
        growth_interval: the number of consecutive good iterations before the scale grows.
        enabled: False makes every method a pass-through (``scale`` returns its input, ``step``
            just calls ``optimizer.step()``).
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if device == "cuda" and enabled and not backends.cuda_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._scale: Tensor | None = None
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0
        self._growth_tracker: Tensor | None = None
        self._per_optimizer_states: defaultdict[int, dict[str, Any]] = defaultdict(_fresh_state)

    # ------------------------------------------------------------------ scaling
    def _check_scale_growth_tracker(self, funcname: str) -> tuple[Tensor, Tensor]:
        fix = "This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration."
        if self._scale is None or self._growth_tracker is None:
            raise AssertionError(f"Attempted {funcname} but _scale is None.  " + fix)
        return self._scale, self._growth_tracker

    def _lazy_init(self, like: Tensor) -> None:
        where = {"backend": like._backend, "device": like.device}
        self._scale = creation.full((), self._init_scale, dtype=dtypes.float32, **where)
        self._growth_tracker = creation.full((), self._init_growth_tracker, dtype=dtypes.int32, **where)

    def scale(self, outputs: Any) -> Any:
        """Multiply ``outputs`` (a tensor, or an iterable of them, nested) by the scale factor.

        Args:
            outputs: the loss (or losses) to scale before ``backward``: a Tensor, or a list, tuple or
                other iterable of Tensors, nested to any depth.

        Returns:
            The scaled tensors in the same structure (lists and tuples keep their type, other
            iterables become iterators); ``outputs`` itself when the scaler is disabled.

        Raises:
            ValueError: ``outputs`` holds something other than tensors.
        """
        if not self._enabled:
            return outputs

        def apply(val: Any) -> Any:
            if isinstance(val, Tensor):
                if self._scale is None:
                    self._lazy_init(val)
                return ops.mul(val, self._scale)
            if isinstance(val, abc.Iterable):
                scaled = map(apply, val)
                return type(val)(scaled) if isinstance(val, (list, tuple)) else scaled
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply(outputs)

    def _unscale_grads_(self, optimizer: Any, inv_scale: Tensor, allow_fp16: bool) -> Tensor:
        found: Tensor | None = None
        with no_grad():
            for group in optimizer.param_groups:
                for param in group["params"]:
                    g = param.grad
                    if g is None:
                        continue
                    if not allow_fp16 and g.dtype is dtypes.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    bad = ops.logical_not(ops.all(ops.isfinite(g)))
                    found = bad if found is None else ops.logical_or(found, bad)
                    g.mul_(inv_scale)
        if found is None:  # no gradients: nothing can be inf
            return creation.zeros_like(inv_scale)
        return found.to(dtypes.float32)

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale factor (in place) and record whether any
        is inf or NaN. Optional: ``step`` does it when not done yet; call it to clip or inspect
        the true gradients before ``step``.

        Args:
            optimizer: the optimizer whose parameters' ``.grad`` are unscaled.

        Raises:
            RuntimeError: called twice for one optimizer in an iteration, or after ``step``.
            ValueError: a gradient is float16 (PyTorch's rule: keep the parameters in float32).
        """
        if not self._enabled:
            return
        scale, _ = self._check_scale_growth_tracker("unscale_")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        with no_grad():
            # the reciprocal in float64 where the backend has it, as PyTorch (float32 division
            # may be imprecise)
            wide = scale.double() if scale._backend.supports_float64 else scale
            inv_scale = ops.reciprocal(wide).float()
        state["found_inf"] = self._unscale_grads_(optimizer, inv_scale, False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale the gradients (unless ``unscale_`` did) and call ``optimizer.step(*args,
        **kwargs)`` only when no gradient is inf or NaN.

        Args:
            optimizer: the optimizer to step; extra positional and keyword arguments are passed on
                to its ``step``.

        Returns:
            What ``optimizer.step`` returned, or None when the step was skipped.

        Raises:
            RuntimeError: called twice in an iteration, or with a ``closure`` argument.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_growth_tracker("step")
        state = self._per_optimizer_states[id(optimizer)]
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        retval = None
        if not state["found_inf"].item():
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adapt the scale after the iteration's ``step`` calls: times ``backoff_factor`` when
        any step found inf/NaN gradients, times ``growth_factor`` after ``growth_interval`` good
        iterations in a row. ``new_scale`` sets the scale instead.

        Args:
            new_scale: the scale to use from now on, a float or a one-element float32 Tensor without
                grad; None adapts the scale as above (default None).

        Raises:
            AssertionError: no step recorded an inf check this iteration (PyTorch's error), or
                ``new_scale`` is not a float or a one-element float32 tensor without grad.
        """
        if not self._enabled:
            return
        scale, tracker = self._check_scale_growth_tracker("update")
        with no_grad():
            if new_scale is not None:
                if isinstance(new_scale, float):
                    scale.fill_(new_scale)
                else:
                    reason = ("new_scale should be a float or a 1-element float32 tensor with requires_grad=False.")
                    if (not isinstance(new_scale, Tensor) or new_scale.numel() != 1
                            or new_scale.dtype is not dtypes.float32 or new_scale.requires_grad):
                        raise AssertionError(reason)
                    scale.copy_(new_scale.reshape(()))
            else:
                found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
                if not found:
                    raise AssertionError("No inf checks were recorded prior to update.")
                combined = found[0]
                for f in found[1:]:
                    combined = ops.add(combined, f)
                self._update_scale(scale, tracker, combined)
        self._per_optimizer_states = defaultdict(_fresh_state)

    def _update_scale(self, scale: Tensor, tracker: Tensor, found_inf: Tensor) -> None:
        """PyTorch's ``_amp_update_scale_``, with tensor ops (no host read)."""
        wide = scale.double() if scale._backend.supports_float64 else scale
        inf = ops.gt(found_inf, 0.0)
        successful = ops.add(tracker, 1)
        grow = ops.eq(successful, self._growth_interval)
        grown = ops.mul(wide, self._growth_factor).float()
        grown = ops.where(ops.isfinite(grown), grown, scale)  # a scale that would overflow stays
        shrunk = ops.mul(wide, self._backoff_factor).float()
        scale.copy_(ops.where(inf, shrunk, ops.where(grow, grown, scale)))
        zero = ops.mul(tracker, 0)
        tracker.copy_(ops.where(ops.logical_or(inf, grow), zero, successful))

    # ------------------------------------------------------------------ settings
    def get_scale(self) -> float:
        """Read the current scale factor.

        Returns:
            The scale as a Python float (1.0 when disabled; the initial scale before the first ``scale``).
        """
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale.item())

    def get_growth_factor(self) -> float:
        """Read the factor the scale grows by.

        Returns:
            ``growth_factor``, a Python float.
        """
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by.

        Args:
            new_factor: the new ``growth_factor`` (greater than 1 to grow).
        """
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        """Read the factor the scale shrinks by.

        Returns:
            ``backoff_factor``, a Python float.
        """
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale shrinks by.

        Args:
            new_factor: the new ``backoff_factor`` (between 0 and 1 to shrink).
        """
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        """Read the number of good iterations in a row after which the scale grows.

        Returns:
            ``growth_interval``, a Python int.
        """
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the number of good iterations in a row after which the scale grows.

        Args:
            new_interval: the new ``growth_interval``.
        """
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else int(self._growth_tracker.item())

    def is_enabled(self) -> bool:
        """Say whether this scaler scales.

        Returns:
            False when it was built with ``enabled=False`` (then every method is a pass-through).
        """
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """Return the scaler's state for a checkpoint.

        Returns:
            A dict of ``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval`` and
            ``_growth_tracker`` as Python numbers; an empty dict when disabled.
        """
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._get_growth_tracker(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state ``state_dict()`` returned (a no-op when disabled).

        Args:
            state_dict: a dict as returned by ``state_dict``.

        Raises:
            RuntimeError: ``state_dict`` is empty (saved from a disabled scaler).
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._init_scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        with no_grad():
            if self._scale is not None:
                self._scale.fill_(self._init_scale)
            if self._growth_tracker is not None:
                self._growth_tracker.fill_(self._init_growth_tracker)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if self._enabled:
            if len(self._per_optimizer_states) != 0:
                raise AssertionError(
                    "A GradScaler instance may only be pickled at the beginning of an iteration, "
                    "or at the end after scaler.update()."
                )
            state["_init_scale"] = self.get_scale()
            state["_init_growth_tracker"] = self._get_growth_tracker()
            state["_scale"] = None
            state["_growth_tracker"] = None
        state["_per_optimizer_states"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._per_optimizer_states = defaultdict(_fresh_state)
