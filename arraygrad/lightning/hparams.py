"""``save_hyperparameters`` / ``hparams``, shared by ``LightningModule`` and ``LightningDataModule``."""

from __future__ import annotations

import copy
import inspect
import types
from argparse import Namespace
from collections.abc import Mapping, Sequence
from typing import Any

from arraygrad.lightning.utilities import AttributeDict

__all__ = ["HyperparametersMixin"]


def _init_arguments(frame: types.FrameType) -> tuple[dict[str, Any], type | None]:
    """The arguments of the ``__init__`` running in ``frame`` (``*args``/``**kwargs`` folded in)
    and the class whose ``__init__`` it is."""
    code = frame.f_code
    local = frame.f_locals
    names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    self_obj = local.get(names[0]) if names else None
    args: dict[str, Any] = {}
    for name in names[1:]:
        if name in local:
            args[name] = local[name]
    info = inspect.getargvalues(frame)
    if info.varargs and local.get(info.varargs):
        args[info.varargs] = local[info.varargs]
    if info.keywords and isinstance(local.get(info.keywords), dict):
        args.update(local[info.keywords])
    return args, type(self_obj) if self_obj is not None else None


class HyperparametersMixin:
    """Gives a class ``save_hyperparameters()`` and the ``hparams`` it fills."""

    __jit_unused_properties__ = ["hparams", "hparams_initial"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "_log_hyperparams", True)

    def save_hyperparameters(self, *args: Any, ignore: Sequence[str] | str | None = None,
                             frame: types.FrameType | None = None, logger: bool = True) -> None:
        """Store the arguments of ``__init__`` in ``self.hparams`` (and in checkpoints, and the logger's
        hparams file), as Lightning does.

        Args:
            *args: nothing (every ``__init__`` argument), the names of the arguments to keep, or one
                dict / ``argparse.Namespace`` to store instead.
            ignore: argument names to leave out.
            frame: the frame of the ``__init__`` to read (default: the caller's).
            logger: whether the logger receives the hyperparameters.

        Raises:
            ValueError: a name in ``args`` is not an argument of ``__init__``.
        """
        self._log_hyperparams = logger
        ignore_set = {ignore} if isinstance(ignore, str) else set(ignore or ())
        if len(args) == 1 and isinstance(args[0], (Mapping, Namespace)):
            given = vars(args[0]) if isinstance(args[0], Namespace) else dict(args[0])
            self._set_hparams({k: v for k, v in given.items() if k not in ignore_set})
            return
        if frame is None:
            current = inspect.currentframe()
            frame = current.f_back if current is not None else None
        if frame is None:
            raise RuntimeError("save_hyperparameters(): cannot find the __init__ frame; pass frame=")
        init_args, _ = _init_arguments(frame)
        if args:
            missing = [a for a in args if not isinstance(a, str) or a not in init_args]
            if missing:
                raise ValueError(f"save_hyperparameters(): {missing} are not arguments of __init__ "
                                 f"(it takes {sorted(init_args)})")
            init_args = {k: init_args[k] for k in args}
        kept = {k: v for k, v in init_args.items() if k not in ignore_set}
        from arraygrad.nn.modules.module import Module

        for name, value in kept.items():
            if isinstance(value, Module):
                from arraygrad.lightning.utilities import rank_zero_warn

                rank_zero_warn(f"Attribute {name!r} is an instance of `nn.Module` and is already saved during "
                               "checkpointing. It is recommended to ignore them using "
                               f"`self.save_hyperparameters(ignore=[{name!r}])`.")
        self._set_hparams(kept)

    def _set_hparams(self, hp: dict[str, Any]) -> None:
        object.__setattr__(self, "_hparams", AttributeDict(hp))
        object.__setattr__(self, "_hparams_initial", copy.deepcopy(AttributeDict(hp)))

    @property
    def hparams(self) -> AttributeDict:
        """The stored hyperparameters (an ``AttributeDict``: ``self.hparams.lr``); empty until
        ``save_hyperparameters()``."""
        if "_hparams" not in self.__dict__:
            object.__setattr__(self, "_hparams", AttributeDict())
        return self.__dict__["_hparams"]

    @property
    def hparams_initial(self) -> AttributeDict:
        """A copy of the hyperparameters as first saved (changes to ``hparams`` do not reach it)."""
        if "_hparams_initial" not in self.__dict__:
            return AttributeDict()
        return copy.deepcopy(self.__dict__["_hparams_initial"])
