"""The restricted unpicklers (weights-only and full) and ``unpickle``."""

from __future__ import annotations

import _compat_pickle
import pickle
import sys
from collections import OrderedDict
from typing import Any

from arraygrad._torch_format.allowlist import WEIGHTS_ONLY_HINT, _refused, _user_allowed
from arraygrad._torch_format.common import _BLOCKED_MODULES, Refused
from arraygrad._torch_format.rebuild import Context, _allowed_globals, _load_storage

__all__ = ["unpickle"]


class _Rebuilding:
    """What both unpicklers share: storages come from the file, and globals are looked up in the
    weights-only allowlist first."""

    ctx: Context
    weights_only: bool
    allowed: dict[str, Any]
    user: dict[str, Any]

    def _setup(self, ctx: Context, weights_only: bool) -> None:
        self.ctx = ctx
        self.weights_only = weights_only
        self.allowed = _allowed_globals(ctx)
        self.user = _user_allowed() if weights_only else {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _compat_pickle.NAME_MAPPING:  # protocol-2 names (``__builtin__.set``)
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        full_path = f"{module}.{name}"
        if full_path in self.allowed:
            return self.allowed[full_path]
        if not self.weights_only:
            try:
                return super().find_class(module, name)  # type: ignore[misc]
            except (ImportError, AttributeError) as exc:
                hint = ""
                if module.split(".")[0] == "torch":
                    hint = " (a PyTorch object other than a tensor, e.g. a whole torch.nn.Module: save its state_dict())"
                raise Refused(f"cannot find the global {full_path} the file refers to: {exc}{hint}") from None
        if module.split(".")[0] in _BLOCKED_MODULES:
            raise Refused(
                f"Weights only load failed: this PyTorch pickle checkpoint needs the unsupported GLOBAL {full_path}, "
                f"whose module {module} is blocked. {WEIGHTS_ONLY_HINT}",
                refused=full_path,
            )
        if full_path in self.user:
            return self.user[full_path]
        raise _refused(full_path)

    def persistent_load(self, pid: Any) -> Any:
        return _load_storage(self.ctx, pid)


class _FullUnpickler(_Rebuilding, pickle.Unpickler):
    """``weights_only=False``: any global is imported, as plain ``pickle`` does (runs code from the file)."""

    def __init__(self, file: Any, ctx: Context) -> None:
        super().__init__(file, encoding="utf-8")
        self._setup(ctx, False)


class _WeightsUnpickler(_Rebuilding, pickle._Unpickler):  # type: ignore[name-defined,misc]
    """``weights_only=True``: only allowlisted globals, and no opcode may change an object it did not
    build itself.

    The C unpickler applies a pickle's BUILD (``__setstate__`` or attribute assignment) to any
    object on its stack -- also to the shared objects the allowlist hands out, such as
    ``torch.float32`` (arraygrad's dtype) or the class ``torch.Size``, which a hostile file could
    then rename or rewire for the whole process. This pure-Python unpickler (the same opcodes,
    with its dispatch table) allows BUILD only on dicts and OrderedDicts (a state dict's
    ``_metadata``) and on instances of classes allowed with ``add_safe_globals``, as PyTorch's
    weights-only unpickler does, and counts what REDUCE and NEWOBJ build against the file's
    memory budget.
    """

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, file: Any, ctx: Context) -> None:
        super().__init__(file, encoding="utf-8")
        self._setup(ctx, True)
        self.user_types = tuple(v for v in self.user.values() if isinstance(v, type))

    def load_build(self) -> None:
        inst = self.stack[-2]  # type: ignore[attr-defined]
        if type(inst) not in (dict, OrderedDict) and not (self.user_types and isinstance(inst, self.user_types)):
            kind = type(inst)
            raise Refused(
                "Weights only load failed: this PyTorch pickle checkpoint sets the state of an object of type "
                f"{kind.__module__}.{kind.__qualname__} (pickle BUILD), which is only allowed on dicts, "
                f"OrderedDicts and classes allowed with add_safe_globals. {WEIGHTS_ONLY_HINT}",
                refused=f"BUILD on {kind.__module__}.{kind.__qualname__}",
            )
        super().load_build()  # type: ignore[misc]

    dispatch[pickle.BUILD[0]] = load_build  # type: ignore[assignment]

    def _charge_top(self) -> None:
        built = self.stack[-1]  # type: ignore[attr-defined]
        if isinstance(built, (str, bytes, bytearray, tuple, list, dict, set, frozenset)):
            self.ctx.charge(sys.getsizeof(built), f"a {type(built).__name__}")

    def load_reduce(self) -> None:
        super().load_reduce()  # type: ignore[misc]
        self._charge_top()

    dispatch[pickle.REDUCE[0]] = load_reduce  # type: ignore[assignment]

    def load_newobj(self) -> None:
        super().load_newobj()  # type: ignore[misc]
        self._charge_top()

    dispatch[pickle.NEWOBJ[0]] = load_newobj  # type: ignore[assignment]

    def load_newobj_ex(self) -> None:
        super().load_newobj_ex()  # type: ignore[misc]
        self._charge_top()

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex  # type: ignore[assignment]


def unpickle(data: Any, ctx: Context, weights_only: bool) -> Any:
    """Unpickle one object from the file object ``data``."""
    if weights_only:
        return _WeightsUnpickler(data, ctx).load()
    return _FullUnpickler(data, ctx).load()
