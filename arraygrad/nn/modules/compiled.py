"""``OptimizedModule``: what ``ag.compile(module)`` returns, as ``torch.compile`` does.

It wraps the module as its child ``_orig_mod`` (so its ``state_dict`` keys carry PyTorch's
``_orig_mod.`` prefix, and its parameters are the module's own) and calls the module through a
``CompiledFunction``: on jax each forward is one compiled program (one per input shape and per
train/eval mode), and gradients flow back through a compiled backward program, so
``loss.backward(); opt.step()`` outside it work as usual. Other attributes are looked up on the
wrapped module.
"""

from __future__ import annotations

from typing import Any

from arraygrad.core.compiled import CompiledFunction
from arraygrad.nn.modules.module import Module

__all__ = ["OptimizedModule"]


class OptimizedModule(Module):
    """A module whose calls are compiled (``ag.compile(module)``).

    Args:
        mod: the module to compile (available as ``_orig_mod``).
        fullgraph: as ``ag.compile``.
        disable: as ``ag.compile``.
    """

    def __init__(self, mod: Module, *, fullgraph: bool = False, disable: bool = False) -> None:
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled_call", CompiledFunction(mod.__call__, fullgraph=fullgraph, disable=disable))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._compiled_call(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            mod = self.__dict__.get("_modules", {}).get("_orig_mod")
            if mod is None:
                raise
            return getattr(mod, name)

    def __repr__(self) -> str:
        return f"OptimizedModule({self._orig_mod!r})"
