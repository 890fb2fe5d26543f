"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``, ``ParameterDict``
(PyTorch's semantics: registered entries named ``"0"``, ``"1"``... or by key)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections import abc as container_abcs
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import Any, TypeVar

from arraygrad.core.tensor import Tensor
from arraygrad.nn.modules.module import Module, _addindent
from arraygrad.nn.parameter import Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]

_V = TypeVar("_V")


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(nn.Linear(4, 8), nn.ReLU())`` or
    ``Sequential(OrderedDict([("fc", ...), ("act", ...)]))``. Indexing by int (negative too)
    returns a module, by slice a new ``Sequential``."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def _get_item_by_idx(self, iterator: Iterable[_V], idx: int) -> _V:
        size = len(self)
        idx = operator.index(idx)
        if not -size <= idx < size:
            raise IndexError(f"index {idx} is out of range")
        idx %= size
        return next(islice(iterator, idx, None))

    def __getitem__(self, idx: slice | int) -> Any:
        if isinstance(idx, slice):
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
        return self._get_item_by_idx(self._modules.values(), idx)

    def __setitem__(self, idx: int, module: Module) -> None:
        key = self._get_item_by_idx(self._modules.keys(), idx)
        setattr(self, key, module)

    def __delitem__(self, idx: slice | int) -> None:
        if isinstance(idx, slice):
            for key in list(self._modules.keys())[idx]:
                delattr(self, key)
        else:
            delattr(self, self._get_item_by_idx(self._modules.keys(), idx))
        # renumber, like PyTorch
        object.__setattr__(self, "_modules", OrderedDict((str(i), m) for i, m in enumerate(self._modules.values())))

    def __len__(self) -> int:
        return len(self._modules)

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        ret = Sequential()
        for layer in chain(self, other):
            ret.append(layer)
        return ret

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        offset = len(self)
        for i, module in enumerate(other):
            self.add_module(str(i + offset), module)
        return self

    def __mul__(self, other: int) -> Sequential:
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        combined = Sequential()
        offset = 0
        for _ in range(other):
            for module in self:
                combined.add_module(str(offset), module)
                offset += 1
        return combined

    __rmul__ = __mul__

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module at ``key``; the remaining modules are renumbered from ``"0"``.

        Args:
            key: position (negative counts from the end) or slice of the module(s) to remove.

        Returns:
            The removed module, or a new ``Sequential`` of the removed modules for a slice.

        Raises:
            IndexError: ``key`` is out of range.
        """
        v = self[key]
        del self[key]
        return v

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def forward(self, input: Any) -> Any:  # noqa: A002 - PyTorch name
        """Pass ``input`` through every module in order, each one's output feeding the next.

        Args:
            input: the input of the first module.

        Returns:
            The output of the last module (``input`` itself when the Sequential is empty).
        """
        for module in self:
            input = module(input)
        return input

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end, under the name ``str(len(self))``.

        Args:
            module: the module to add.

        Returns:
            This Sequential.

        Raises:
            TypeError: ``module`` is neither a Module nor None.
        """
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index``, shifting the later modules one name up.

        Args:
            index: position in ``[-len(self), len(self)]``; negative counts from the end.
            module: the module to insert.

        Returns:
            This Sequential.

        Raises:
            AssertionError: ``module`` is not a Module.
            IndexError: ``index`` is out of range.
        """
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        n = len(self._modules)
        if not -n <= index <= n:
            raise IndexError(f"Index out of range: {index}")
        if index < 0:
            index += n
        for i in range(n, index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module
        return self

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Append every module of ``sequential`` at the end, in order.

        Args:
            sequential: an iterable of modules (e.g. another Sequential).

        Returns:
            This Sequential.

        Raises:
            TypeError: an element is neither a Module nor None.
        """
        for layer in sequential:
            self.append(layer)
        return self


class ModuleList(Module):
    """Hold submodules in a list, registered under the names ``"0"``, ``"1"``, ...

    It has no ``forward``: index it (ints, negative ints or slices), iterate over it, and
    ``append``, ``extend``, ``insert`` or ``pop`` like a list; deleting an entry renumbers the rest.

    Args:
        modules: an iterable of modules to add in order, or None for an empty list (default None).

    Raises:
        TypeError: an element of ``modules`` is neither a Module nor None.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self += modules

    def _get_abs_string_index(self, idx: int) -> str:
        idx = operator.index(idx)
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range")
        if idx < 0:
            idx += len(self)
        return str(idx)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[self._get_abs_string_index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._get_abs_string_index(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        if isinstance(idx, slice):
            for k in range(len(self._modules))[idx]:
                delattr(self, str(k))
        else:
            delattr(self, self._get_abs_string_index(idx))
        object.__setattr__(self, "_modules", OrderedDict((str(i), m) for i, m in enumerate(self._modules.values())))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        combined = ModuleList()
        for i, module in enumerate(chain(self, other)):
            combined.add_module(str(i), module)
        return combined

    def __repr__(self) -> str:
        """PyTorch's compressed repr: runs of identical entries print as ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(item) for item in self]
        if not reprs:
            return self._get_name() + "()"
        spans = [[0, 0]]
        blocks = [reprs[0]]
        for i, r in enumerate(reprs[1:], 1):
            if r == blocks[-1]:
                spans[-1][1] += 1
                continue
            spans.append([i, i])
            blocks.append(r)
        lines = []
        for (start, end), block in zip(spans, blocks):
            local = f"({start}): {block}" if start == end else f"({start}-{end}): {end - start + 1} x {block}"
            lines.append(_addindent(local, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``, shifting the later modules one name up.

        As in PyTorch, ``index`` is not range-checked and negative values are not converted; use
        ``0 <= index <= len(self)``. ``module`` is not type-checked either.

        Args:
            index: position at which to insert.
            module: the module to insert.
        """
        for i in range(len(self._modules), index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end, under the name ``str(len(self))``.

        Args:
            module: the module to add.

        Returns:
            This ModuleList.

        Raises:
            TypeError: ``module`` is neither a Module nor None.
        """
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module at ``key``; the remaining modules are renumbered from ``"0"``.

        Args:
            key: position (negative counts from the end) or slice of the module(s) to remove.

        Returns:
            The removed module, or a new ``ModuleList`` of the removed modules for a slice.

        Raises:
            IndexError: ``key`` is out of range.
        """
        v = self[key]
        del self[key]
        return v

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules`` at the end, in order.

        Args:
            modules: an iterable of modules.

        Returns:
            This ModuleList.

        Raises:
            TypeError: ``modules`` is not iterable, or an element is neither a Module nor None.
        """
        if not isinstance(modules, container_abcs.Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got " + type(modules).__name__)
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self


class ModuleDict(Module):
    """Hold submodules in an ordered dict, registered under their string keys.

    It has no ``forward``: index it by key, iterate over its keys, and use ``keys``, ``items``,
    ``values``, ``update``, ``pop`` and ``clear`` like a dict. Insertion order is kept.

    Args:
        modules: a mapping of name to module, or an iterable of ``(name, module)`` pairs, added with
            ``update``; None for an empty dict (default None).

    Raises:
        TypeError: ``modules`` is not iterable, or an element is not an iterable pair or not a Module.
        ValueError: an element of ``modules`` is not of length 2.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]  # type: ignore[return-value]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove all modules."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it.

        Args:
            key: the name of the module.

        Returns:
            The removed module.

        Raises:
            KeyError: there is no module under ``key``.
        """
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Any:
        """Return a view of the module names, in insertion order.

        Returns:
            The keys view of the underlying dict.
        """
        return self._modules.keys()

    def items(self) -> Any:
        """Return a view of the ``(name, module)`` pairs, in insertion order.

        Returns:
            The items view of the underlying dict.
        """
        return self._modules.items()

    def values(self) -> Any:
        """Return a view of the modules, in insertion order.

        Returns:
            The values view of the underlying dict.
        """
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or an iterable of ``(key, module)`` pairs.

        A mapping (``dict``, ``OrderedDict``, ``ModuleDict``) is added in its own iteration order.

        Args:
            modules: a mapping of name to module, or an iterable of ``(name, module)`` pairs.

        Raises:
            TypeError: ``modules`` is not iterable, an element is not iterable, or a value is not a Module.
            ValueError: an element of the iterable is not of length 2.
        """
        if not isinstance(modules, container_abcs.Iterable):
            raise TypeError(
                "ModuleDict.update should be called with an iterable of key/value pairs, but got " + type(modules).__name__
            )
        if isinstance(modules, (OrderedDict, ModuleDict, container_abcs.Mapping)):
            for key, module in modules.items():
                self[key] = module
            return
        for j, m in enumerate(modules):
            if not isinstance(m, container_abcs.Iterable):
                raise TypeError(f"ModuleDict update sequence element #{j} should be Iterable; is" + type(m).__name__)
            if len(m) != 2:  # type: ignore[arg-type]
                raise ValueError(f"ModuleDict update sequence element #{j} has length {len(m)}; 2 is required")  # type: ignore[arg-type]
            self[m[0]] = m[1]  # type: ignore[index]


def _param_line(key: Any, p: Any) -> str:
    if isinstance(p, Tensor):
        size = "x".join(str(s) for s in p.shape)
        dev = f" ({p.device})" if p.device.type == "cuda" else ""
        kind = "Parameter" if isinstance(p, Parameter) else "Tensor"
        return f"  ({key}): {kind} containing: [{p.dtype!r} of size {size}{dev}]"
    return f"  ({key}): Object of type: {type(p).__name__}"


class ParameterList(Module):
    """Hold parameters in a list, registered under the names ``"0"``, ``"1"``, ...

    Plain Tensors added are wrapped in ``Parameter``; other objects are stored as they are. Index it
    with ints, negative ints or slices (a slice gives a new ParameterList), iterate over it, and
    ``append`` or ``extend`` it. Calling it raises ``RuntimeError``.

    Args:
        values: an iterable of Tensors (or other objects) to add in order, or None for an empty list
            (default None).

    Raises:
        TypeError: ``values`` is not iterable or is a single Tensor.
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _get_abs_string_index(self, idx: int) -> str:
        idx = operator.index(idx)
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range")
        if idx < 0:
            idx += len(self)
        return str(idx)

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            out = self.__class__()
            for i in range(*idx.indices(len(self))):
                out.append(self[i])
            return out
        return getattr(self, self._get_abs_string_index(idx))

    def __setitem__(self, idx: int, param: Any) -> None:
        key = self._get_abs_string_index(idx)
        if isinstance(param, Tensor) and not isinstance(param, Parameter):
            param = Parameter(param)
        setattr(self, key, param)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return iter(self[i] for i in range(len(self)))

    def __iadd__(self, parameters: Iterable[Any]) -> ParameterList:
        return self.extend(parameters)

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end; a plain Tensor is wrapped in ``Parameter``.

        Args:
            value: a Parameter, a Tensor or any other object.

        Returns:
            This ParameterList.
        """
        new_idx = len(self)
        self._size += 1
        self[new_idx] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append every element of ``values`` at the end, in order.

        Args:
            values: an iterable of Parameters, Tensors or other objects.

        Returns:
            This ParameterList.

        Raises:
            TypeError: ``values`` is not iterable, or is a single Tensor.
        """
        if not isinstance(values, container_abcs.Iterable) or isinstance(values, Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got " + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """Describe each entry on its own line: kind (Parameter or Tensor), dtype and size.

        Returns:
            One line per entry, e.g. ``(0): Parameter containing: [arraygrad.float32 of size 2x3]``.
        """
        return "\n".join(_param_line(k, p) for k, p in enumerate(self))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """Hold parameters in an ordered dict, registered under their string keys.

    Plain Tensors added are wrapped in ``Parameter``; other objects are stored as they are. Use it like
    a dict (``[]``, ``in``, ``get``, ``pop``, ``update``, ``|``...). Calling it raises ``RuntimeError``.

    Args:
        parameters: a mapping or an iterable of ``(key, value)`` pairs, added with ``update``; None for an
            empty dict (default None).

    Raises:
        TypeError: ``parameters`` is not iterable, an element is not iterable, or a key is not a string.
        ValueError: an element of the iterable is not of length 2.
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def _key_to_attr(self, key: str) -> str:
        if not isinstance(key, str):
            raise TypeError(
                "Index given to ParameterDict cannot be used as a key as it is not a string "
                f"(type is '{type(key).__name__}')."
            )
        return key

    def __getitem__(self, key: str) -> Any:
        return getattr(self, self._key_to_attr(key))

    def __setitem__(self, key: str, value: Any) -> None:
        attr = self._key_to_attr(key)
        self._keys[key] = None
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            value = Parameter(value)
        setattr(self, attr, value)

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, self._key_to_attr(key))

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._keys)

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def copy(self) -> ParameterDict:
        """Return a new ParameterDict holding the same parameter objects (a shallow copy).

        Returns:
            The new ParameterDict, with the same keys in the same order.
        """
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return the value under ``key``, first setting it to ``default`` if ``key`` is absent.

        Args:
            key: the key.
            default: value stored when ``key`` is absent; a plain Tensor is wrapped in ``Parameter``
                (default None).

        Returns:
            The value under ``key`` after the call.

        Raises:
            TypeError: ``key`` is not a string.
        """
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove all entries."""
        for k in self._keys.copy():
            del self[k]

    def pop(self, key: str) -> Any:
        """Remove the entry under ``key`` and return its value.

        Args:
            key: the key.

        Returns:
            The removed value.

        Raises:
            AttributeError: there is no entry under ``key``.
            TypeError: ``key`` is not a string.
        """
        v = self[key]
        del self[key]
        return v

    def popitem(self) -> tuple[str, Any]:
        """Remove the most recently inserted entry and return it.

        Returns:
            The ``(key, value)`` pair removed.

        Raises:
            KeyError: the ParameterDict is empty.
        """
        k, _ = self._keys.popitem()
        self._keys[k] = None
        val = self[k]
        del self[k]
        return k, val

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value under ``key``, or ``default`` when ``key`` is absent.

        Args:
            key: the key.
            default: value returned when ``key`` is absent (default None).

        Returns:
            The value under ``key``, or ``default``.
        """
        return self[key] if key in self else default

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """Return a new ParameterDict with every key of ``keys`` set to ``default``.

        This ParameterDict is not changed.

        Args:
            keys: an iterable of string keys.
            default: value of every entry; a plain Tensor is wrapped in ``Parameter`` (default None).

        Returns:
            The new ParameterDict.

        Raises:
            TypeError: a key is not a string.
        """
        return ParameterDict((k, default) for k in keys)

    def keys(self) -> Any:
        """Return a view of the keys, in insertion order.

        Returns:
            A keys view.
        """
        return self._keys.keys()

    def items(self) -> Iterator[tuple[str, Any]]:
        """Return an iterator over the ``(key, value)`` pairs, in insertion order.

        Returns:
            A generator of ``(key, value)`` tuples.
        """
        return ((k, self[k]) for k in self._keys)

    def values(self) -> Iterator[Any]:
        """Return an iterator over the values, in insertion order.

        Returns:
            A generator of the values.
        """
        return (self[k] for k in self._keys)

    def update(self, parameters: Any) -> None:
        """Add or replace entries from a mapping or an iterable of ``(key, value)`` pairs.

        An ``OrderedDict`` or ``ParameterDict`` is added in its own order; any other mapping (such as a
        plain ``dict``) in sorted key order, as in PyTorch. Plain Tensors are wrapped in ``Parameter``.

        Args:
            parameters: a mapping of key to value, or an iterable of ``(key, value)`` pairs.

        Raises:
            TypeError: ``parameters`` is not iterable, an element is not iterable, or a key is not a string.
            ValueError: an element of the iterable is not of length 2.
        """
        if not isinstance(parameters, container_abcs.Iterable):
            raise TypeError(
                "ParametersDict.update should be called with an iterable of key/value pairs, but got "
                + type(parameters).__name__
            )
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            for key, parameter in parameters.items():
                self[key] = parameter
        elif isinstance(parameters, container_abcs.Mapping):
            for key, parameter in sorted(parameters.items()):
                self[key] = parameter
        else:
            for j, p in enumerate(parameters):
                if not isinstance(p, container_abcs.Iterable):
                    raise TypeError(f"ParameterDict update sequence element #{j} should be Iterable; is" + type(p).__name__)
                if len(p) != 2:  # type: ignore[arg-type]
                    raise ValueError(f"ParameterDict update sequence element #{j} has length {len(p)}; 2 is required")  # type: ignore[arg-type]
                self[p[0]] = p[1]  # type: ignore[index]

    def extra_repr(self) -> str:
        """Describe each entry on its own line: kind (Parameter or Tensor), dtype and size.

        Returns:
            One line per entry, e.g. ``(weight): Parameter containing: [arraygrad.float32 of size 2x3]``.
        """
        return "\n".join(_param_line(k, p) for k, p in self.items())

    def __call__(self, input: Any) -> Any:  # noqa: A002
        raise RuntimeError("ParameterDict should not be called.")

    def __or__(self, other: ParameterDict) -> ParameterDict:
        copy = self.copy()
        copy.update(other)
        return copy

    def __ror__(self, other: ParameterDict) -> ParameterDict:
        copy = other.copy()
        copy.update(self)
        return copy

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self
