"""``out=`` on the public functions that PyTorch gives it to (``ag.add(x, y, out=t)``).

The functions in ``ops``, ``shape``, ``indexing``, ``creation`` and ``random`` do not take
``out``: internal code calls them directly, and ``arraygrad/__init__.py`` exports each of the
names in ``OUT_RULES`` wrapped by ``with_out``. The wrapper computes the result as usual and
writes it into ``out`` with the in-place write machinery (``views.write``): ``out`` and every view
of its memory see it, its version bumps, and the same tensor is returned. A call without ``out=``
pays one extra Python call.

As in PyTorch:

- ``out=`` refuses autograd: in grad mode, an argument (or ``out``) that requires grad raises.
- A result of a different shape resizes ``out`` (with PyTorch's warning when ``out`` was not
  empty); a view or memory shared with numpy cannot be resized.
- dtype: elementwise ops and reductions cast the result to ``out``'s dtype unless that loses its
  category (float into an int ``out`` raises); matmul-like, indexing ops and ``max``/``min``/
  ``argmax`` want ``out`` of the result's dtype exactly; factory functions (``zeros``, ``arange``,
  ``rand``...) create in ``out``'s dtype and on its backend unless ``dtype=`` / ``device=`` are given.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any

from arraygrad.core import argtypes, dtypes, views
from arraygrad.core.autograd import GRAD_MODE
from arraygrad.core.legacy import SCALAR_NAMES
from arraygrad.core.tensor import INFERENCE_INPLACE_ERROR, Tensor

CAST, SAME, FACTORY = "cast", "same", "factory"

_UNARY = (
    "abs", "absolute", "ceil", "cos", "exp", "expm1", "floor", "log", "log10", "log1p", "log2", "neg", "negative",
    "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin", "sqrt", "square", "tan", "tanh", "trunc",
    "logical_not", "bitwise_not",
)
_BINARY = (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "remainder",
    "fmod", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
    "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
    "bitwise_xor",
)

#: how each public name that takes ``out=`` treats its dtype (see the module docstring)
OUT_RULES: dict[str, str] = {
    **dict.fromkeys(_UNARY, CAST),
    **dict.fromkeys(_BINARY, CAST),
    **dict.fromkeys(("clamp", "clip", "sum", "mean", "prod", "cumsum", "amax", "amin", "logsumexp"), CAST),
    **dict.fromkeys(("cat", "concat", "concatenate", "stack", "hstack", "vstack"), CAST),
    **dict.fromkeys(("matmul", "mm", "bmm", "mv", "dot", "outer", "inner", "where"), SAME),
    **dict.fromkeys(("max", "min", "argmax", "argmin", "gather", "index_select", "masked_select", "take"), SAME),
    **dict.fromkeys(("zeros", "ones", "empty", "full", "arange", "linspace", "logspace", "eye"), FACTORY),
    **dict.fromkeys(("rand", "randn", "randint", "randperm"), FACTORY),
}

# PyTorch raises TypeError (not RuntimeError) when cat's inputs cannot be cast to out's dtype
_CAST_TYPE_ERROR = frozenset({"cat", "concat", "concatenate", "stack", "hstack", "vstack"})


def with_out(fn: Callable[..., Any], name: str, rule: str) -> Callable[..., Any]:
    """``fn`` taking an ``out=`` keyword as well (a tensor, or a tuple of tensors for
    ``max``/``min`` with ``dim``), treated by ``rule`` (``"cast"``, ``"same"`` or ``"factory"``).

    The wrapper has ``fn``'s own parameters plus ``out`` and passes them on as ``fn`` declares
    them: a call without ``out=`` then costs one plain Python call, about half of what a generic
    ``*args, **kwargs`` wrapper costs."""
    wrapper = _same_signature_wrapper(fn, name, rule)
    if wrapper is None:  # a signature that cannot be copied (a builtin): the generic wrapper
        checked = argtypes.with_argument_types(fn, name)

        def wrapper(*args: Any, out: Any = None, **kwargs: Any) -> Any:
            if out is None:
                return checked(*args, **kwargs)
            return call_with_out(checked, name, rule, args, kwargs, out)

    functools.update_wrapper(wrapper, fn)
    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = _doc_with_out(fn.__doc__)
    signature = _signature_with_out(fn)
    if signature is not None:
        wrapper.__signature__ = signature  # type: ignore[attr-defined]  # help() and the docs show out=
    wrapper.adds_out = True  # type: ignore[attr-defined]  # marks it as fn itself plus out= (see coverage)
    return wrapper


_OUT_ENTRY = ("out: tensor that receives the result (a tuple of tensors where the result is a tuple) and is "
              "returned instead of a new one (default None).")


def _doc_with_out(doc: str | None) -> str | None:
    """``doc`` with an ``out`` entry at the end of its ``Args:`` section (unchanged without one)."""
    if not doc:
        return doc
    lines = inspect.cleandoc(doc).splitlines()
    for k, line in enumerate(lines):
        if line.strip() in ("Args:", "Arguments:"):
            base = len(line) - len(line.lstrip())
            end, indent = k + 1, base + 4
            for j in range(k + 1, len(lines)):
                item = lines[j]
                if not item.strip():
                    continue
                if len(item) - len(item.lstrip()) <= base:
                    break
                if end == k + 1:
                    indent = len(item) - len(item.lstrip())
                end = j + 1
            lines.insert(end, " " * indent + _OUT_ENTRY)
            return "\n".join(lines)
    return doc


def _signature_with_out(fn: Callable[..., Any]) -> inspect.Signature | None:
    """``fn``'s signature plus the keyword-only ``out=None`` (None when it cannot be read)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = [p for p in sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
    rest = [p for p in sig.parameters.values() if p.kind is p.VAR_KEYWORD]
    out = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    return sig.replace(parameters=[*params, out, *rest])


def _same_signature_wrapper(fn: Callable[..., Any], name: str, rule: str) -> Callable[..., Any] | None:
    """``def name(<fn's parameters>, *, out=None)`` that forwards to ``fn``, compiled from source;
    None when ``fn``'s signature cannot be read or has positional-only parameters."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params: list[str] = []  # the wrapper's parameter list
    positional: list[str] = []  # passed on by position (``a``, ``*sizes``)
    keywords: list[str] = []  # passed on by name
    var_kw: str | None = None
    defaults: dict[str, Any] = {}
    for p in sig.parameters.values():
        if p.name in ("out", "_fn", "_call_with_out", "_name", "_rule", "_check", "_error") or p.kind is p.POSITIONAL_ONLY:
            return None
        default = ""
        if p.default is not p.empty:
            defaults[f"_default_{p.name}"] = p.default
            default = f"=_default_{p.name}"
        if p.kind is p.POSITIONAL_OR_KEYWORD:
            params.append(p.name + default)
            positional.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            params.append("*" + p.name)
            positional.append("*" + p.name)
        elif p.kind is p.KEYWORD_ONLY:
            if not any(q.startswith("*") for q in params):
                params.append("*")
            params.append(p.name + default)
            keywords.append(p.name)
        else:
            var_kw = p.name
    if not any(q.startswith("*") for q in params):
        params.append("*")
    params.append("out=None")
    rest = [f"**{var_kw}"] if var_kw else []
    if var_kw:
        params.append(f"**{var_kw}")
    call = ", ".join([*positional, *(f"{k}={k}" for k in keywords), *rest])
    args_tuple = "(" + "".join(f"{a}, " for a in positional) + ")"
    kwargs_dict = "{" + ", ".join([*(f"{k!r}: {k}" for k in keywords), *rest]) + "}"
    # a failed call whose arguments have the wrong type raises PyTorch's TypeError (core/argtypes.py);
    # the try costs nothing when the call succeeds
    source = (
        f"def {name}({', '.join(params)}):\n"
        "    try:\n"
        "        if out is None:\n"
        f"            return _fn({call})\n"
        f"        return _call_with_out(_fn, _name, _rule, {args_tuple}, {kwargs_dict}, out)\n"
        "    except Exception:\n"
        "        if _check is not None:\n"
        f"            _error = _check({args_tuple}, {kwargs_dict})\n"
        "            if _error is not None:\n"
        "                raise _error from None\n"
        "        raise\n"
    )
    namespace = {**defaults, "_fn": fn, "_call_with_out": call_with_out, "_name": name, "_rule": rule,
                 "_check": argtypes.failure_check(fn, name)}
    exec(source, namespace)  # noqa: S102 - source built above from fn's own parameter names
    return namespace[name]  # type: ignore[no-any-return]


def install(namespace: dict[str, Any]) -> None:
    """Replace each function of ``OUT_RULES`` found in ``namespace`` (a module's globals) by its
    ``with_out`` wrapper."""
    for name, rule in OUT_RULES.items():
        fn = namespace.get(name)
        if fn is not None and not hasattr(fn, "_takes_out"):
            wrapped = with_out(fn, name, rule)
            wrapped._takes_out = True  # type: ignore[attr-defined]
            namespace[name] = wrapped


def _requires_grad(values: Any) -> bool:
    for v in values:
        if isinstance(v, Tensor):
            if v._rg:
                return True
        elif isinstance(v, (list, tuple)) and _requires_grad(v):
            return True
    return False


def call_with_out(fn: Callable[..., Any], name: str, rule: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                  out: Any) -> Any:
    """``fn(*args, **kwargs)`` written into ``out``; returns ``out``.

    Raises:
        RuntimeError: in grad mode an argument or ``out`` requires grad; a dtype ``rule`` refuses
            ``out``'s dtype; ``out`` is on another backend; ``out`` must be resized and cannot be.
        TypeError: ``out`` is not a tensor (or a tuple of them for a tuple result).
    """
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(o).__name__}")
    if GRAD_MODE.enabled and (
        _requires_grad(args) or _requires_grad(kwargs.values()) or _requires_grad(outs) or kwargs.get("requires_grad")
    ):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, but one of the "
            "arguments requires grad."
        )
    if rule == FACTORY:
        target = outs[0]
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = target.dtype
        elif dtypes.as_dtype(kwargs["dtype"]) is not target.dtype:
            asked = dtypes.as_dtype(kwargs["dtype"])
            raise RuntimeError(
                f"{name}(): dtype {_scalar(asked)} does not match dtype of out parameter ({_scalar(target.dtype)})"
            )
        if kwargs.get("device") is None and kwargs.get("backend") is None:
            kwargs["backend"] = target._backend
    result = fn(*args, **kwargs)
    if isinstance(result, Tensor):
        if isinstance(out, (tuple, list)):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        return _store(out, result, name, rule)
    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
    stored = []
    for o, r in zip(out, result):  # a loop, not a comprehension: the resize warning's stacklevel
        stored.append(_store(o, r, name, SAME))
    if hasattr(result, "_fields"):  # a namedtuple
        return type(result)(*stored)
    return type(result)(stored)  # a tuple, or a tuple subclass such as ops.ValuesIndices


def _scalar(d: dtypes.dtype) -> str:
    return SCALAR_NAMES.get(d.name, d.name)


def _store(out: Tensor, result: Tensor, name: str, rule: str) -> Tensor:
    """Write ``result`` into ``out`` (cast or resized as ``rule`` and PyTorch allow)."""
    if out._backend is not result._backend:
        raise RuntimeError(
            f"{name}(): out= tensor is on backend {out._backend.name!r}, the result on {result._backend.name!r}"
        )
    rd, od = result.dtype, out.dtype
    if rd is not od:
        if rule == SAME:
            raise RuntimeError(f"{name}(): Expected out tensor to have dtype {rd}, but got {od} instead")
        if dtypes.category(rd) > dtypes.category(od):
            error = TypeError if name in _CAST_TYPE_ERROR else RuntimeError
            raise error(f"{name}(): result type {_scalar(rd)} can't be cast to the desired output type {_scalar(od)}")
        from arraygrad.core.methods import to_dtype

        result = to_dtype(result, od)
    views.check_inplace(out, name)
    array = result._storage.array
    if tuple(array.shape) != tuple(out._storage.array.shape):
        _resize(out, array, name)
    else:
        views.write(out, array, name, fresh=False)
    return out


def _resize(out: Tensor, array: Any, name: str) -> None:
    """Give ``out`` new memory holding ``array`` (of another shape), as PyTorch resizes an out=
    tensor; its version still counts on from the old memory's."""
    st = out._storage
    old, new = list(out.shape), list(array.shape)
    if st.base is not None:
        raise RuntimeError(
            f"{name}(): the out= tensor of shape {old} is a view of another tensor and cannot be resized to the "
            f"result's shape {new}; pass an out= tensor of shape {new} or an empty one"
        )
    if st.pinned:
        raise RuntimeError(
            f"{name}(): Trying to resize storage that is not resizable (the out= tensor of shape {old} shares its "
            f"memory, e.g. with a numpy array; the result has shape {new})"
        )
    if st.inference and not GRAD_MODE.inference:
        raise RuntimeError(f"{name}: {INFERENCE_INPLACE_ERROR}")
    if out.numel():
        warnings.warn(
            f"{name}(): An output with one or more elements was resized since it had shape {old}, which does not "
            f"match the required output shape {new}. Pass an out= tensor of the result's shape, or an empty one.",
            UserWarning,
            stacklevel=5,
        )
    fresh = type(st)(out._backend.copy(array))
    fresh._version = st._version + 1
    out._storage = fresh
