"""The Tensor: an array of some backend plus what autograd needs to know about it.

A tensor refers to its array through a ``Storage`` cell. ``detach()`` and ``.data`` return
new tensors sharing the cell; views (``x[0]``, ``x.view(-1)``, ``x.t()``) get a ``ViewStorage``
that points back to it. In-place ops write through any of them (``arraygrad.core.views``), so
every alias sees the change and the shared version counter tells autograd that a tensor it
saved was changed before backward.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from arraygrad.backends.reference import Backend
from arraygrad.core import dtypes
from arraygrad.core.autograd import GRAD_MODE, Node


class Storage:
    """The memory cell of a tensor: its array and the version counter that guards it.

    Shared by a tensor and its detached aliases (``.data``, ``detach()``); views of it have a
    ``ViewStorage`` that points back here (see ``arraygrad.core.views``).
    """

    __slots__ = ("array", "_version", "pinned", "_views")
    #: a root storage is its own base and is reached by no view steps
    base: Storage | None = None
    chain: tuple[Any, ...] = ()
    #: True only for ``InferenceStorage``
    inference = False

    def __init__(self, array: Any, pinned: bool = False) -> None:
        self.array = array
        self._version = 0
        # on a mutable backend: writes go into this buffer in place (views, the numpy bridge or
        # shared memory may see it); unpinned buffers may be rebound by a whole-tensor write
        self.pinned = pinned
        self._views: list[Any] | None = None

    @property
    def version(self) -> int:
        return self._version


class ViewStorage(Storage):
    """The array of a view: the root storage, the chain of view steps from it and the tensor the
    view was taken of (PyTorch's ``_base``)."""

    __slots__ = ("base", "chain", "base_tensor", "owner", "multi_output", "__weakref__")

    def __init__(self, array: Any, base: Storage, chain: tuple[Any, ...], base_tensor: Any) -> None:
        self.array = array
        self.base = base
        self.chain = chain
        self.base_tensor = base_tensor
        self.owner: Any = None  # weakref to the view tensor that records autograd, if any
        # "Output k of SplitBackward0" for a piece of split/chunk/unbind taken in grad mode (and
        # views of it): PyTorch refuses to change those in place while the base requires grad
        self.multi_output: str | None = None

    @property
    def version(self) -> int:
        return self.base._version  # type: ignore[union-attr]


INFERENCE_INPLACE_ERROR = (
    "Inplace update to inference tensor outside InferenceMode is not allowed. You can make a clone to get a "
    "normal tensor before doing inplace update."
)


class InferenceVersionError(RuntimeError):
    """Reading the version counter of an inference tensor (it has none) outside inference mode."""


class InferenceStorage(Storage):
    """The memory cell of a tensor created in ``inference_mode``: like PyTorch's inference tensors
    it has no version counter, so autograd cannot save it and it cannot be changed in place
    outside inference mode (``arraygrad.core.views.write`` refuses)."""

    __slots__ = ()
    inference = True

    @property  # type: ignore[override]
    def _version(self) -> int:
        if GRAD_MODE.inference:
            return 0
        raise InferenceVersionError("Inference tensors do not track version counter.")

    @_version.setter
    def _version(self, value: int) -> None:
        pass


class Size(tuple):  # type: ignore[type-arg]
    """A tensor's shape: a tuple of ints, like ``torch.Size``."""

    def numel(self) -> int:
        """Return the number of elements of a tensor of this shape (the product of the sizes; 1 for ``Size([])``).

        Returns:
            The element count, as an int.
        """
        return math.prod(self)

    def __repr__(self) -> str:
        return f"arraygrad.Size({list(self)})"


#: PyTorch's device types (its error lists them in this order), plus ``tpu`` for jax's TPU devices
DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
    "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone", "tpu",
)


class device:  # noqa: N801 - named like torch.device
    """Where a tensor lives, as ``torch.device``: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 1)``.

    ``device(0)`` is CUDA device 0, when there is one. Two devices are equal when type and index are
    (``device("cuda") != device("cuda:0")``), and a device never equals a string, as in PyTorch. Used
    as a context manager it is the default device for new tensors inside the block
    (``ag.set_default_device``).

    Args:
        spec: a device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``...), a non-negative CUDA device
            index, or a device to copy.
        index: the device index, when ``spec`` is a type string without one (default None).

    Raises:
        RuntimeError: an unknown type, a malformed string, a negative index, an index given twice,
            or an integer device when no CUDA device is there.
        TypeError: ``spec`` or ``index`` of the wrong type.
    """

    __slots__ = ("type", "index", "_previous")
    type: str
    index: int | None

    def __init__(self, spec: str | int | device, index: int | None = None) -> None:
        self._previous: list[Any] = []
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if isinstance(spec, int) and not isinstance(spec, bool):
            if spec < 0:
                raise RuntimeError("Device index must not be negative")
            from arraygrad import backends

            if not backends.cuda_available():
                raise RuntimeError("Cannot access accelerator device when none is available.")
            self.type, self.index = "cuda", spec
            return
        if not isinstance(spec, str):
            raise TypeError(f"device(): expected a device string, an int or a device, got {type(spec).__name__}")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not {type(index).__name__}")
        if not spec:
            raise RuntimeError("Device string must not be empty")
        kind, sep, idx = spec.partition(":")
        if kind not in DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: {spec}"
            )
        if sep:
            if not idx.isdigit() or (len(idx) > 1 and idx[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{spec}'")
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {spec}"
                )
            index = int(idx)
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type, self.index = kind, index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}'" + ("" if self.index is None else f", index={self.index}") + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (str(self),))

    def __enter__(self) -> device:
        from arraygrad.core import creation

        self._previous.append(creation.get_default_device_setting())
        creation.set_default_device(self)
        return self

    def __exit__(self, *exc: object) -> None:
        from arraygrad.core import creation

        creation.set_default_device(self._previous.pop())


class layout:  # noqa: N801 - named like torch.layout
    """How a tensor's elements are stored, as ``torch.layout``: ``arraygrad.strided`` (dense) or ``arraygrad.sparse_coo``.

    Args:
        name: the layout's name, ``"strided"`` or ``"sparse_coo"``; it is what the layout prints and
            pickles as.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"arraygrad.{self.name}"

    def __reduce__(self) -> str:
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")


if TYPE_CHECKING:  # the methods attached by arraygrad.core.methods, declared for type checkers
    from arraygrad.core._tensor_methods import TensorMethods as _TensorMethods
else:
    _TensorMethods = object


class Tensor(_TensorMethods):
    """An n-dimensional array with automatic differentiation (see ``arraygrad.tensor``)."""

    __slots__ = ("_storage", "_backend", "_rg", "_grad", "grad_fn", "_output_nr", "_hooks", "_retains", "__weakref__")

    # NOTE: arrays of numpy-like libraries define __array_priority__/__array_ufunc__; so that
    # `np_array * tensor` reaches Tensor.__rmul__ instead of numpy broadcasting over objects.
    __array_priority__ = 1000
    __array_ufunc__ = None

    #: dense tensors are strided; ``arraygrad.sparse.SparseTensor`` overrides both (class attributes:
    #: no per-tensor cost)
    is_sparse = False
    layout = strided

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's legacy constructor: ``Tensor(data)`` (default float dtype), ``Tensor(2, 3)`` or
        ``Tensor(Size([2, 3]))`` (zero-filled), ``Tensor()`` (empty), ``Tensor(other)`` (shares
        ``other``'s memory). Prefer ``arraygrad.tensor`` / ``arraygrad.zeros``; see
        ``arraygrad.core.legacy``."""
        from arraygrad.core import legacy

        t = legacy.construct(None, False, args, kwargs, "Tensor")
        return t if cls is Tensor else cls._alias(t._storage, t._backend)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # everything happens in __new__


    @classmethod
    def _wrap(cls, array: Any, backend: Backend, grad_fn: Node | None = None, output_nr: int = 0) -> Tensor:
        """Fast internal constructor (no validation)."""
        t = object.__new__(cls)
        t._storage = InferenceStorage(array) if GRAD_MODE.inference else Storage(array)
        t._backend = backend
        t._rg = grad_fn is not None
        t._grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._hooks = None
        t._retains = False
        return t

    @classmethod
    def _alias(cls, storage: Storage, backend: Backend) -> Tensor:
        t = object.__new__(cls)
        t._storage = storage
        t._backend = backend
        t._rg = False
        t._grad = None
        t.grad_fn = None
        t._output_nr = 0
        t._hooks = None
        t._retains = False
        return t

    def _set_array(self, array: Any) -> None:
        """Store ``array`` (this tensor's shape and dtype) as the tensor's values: every alias and
        view sees them, and the version bumps."""
        from arraygrad.core.views import write

        write(self, array)

    # ------------------------------------------------------------------ attributes
    @property
    def array(self) -> Any:
        """The backend array (read-only view of the current storage)."""
        return self._storage.array

    @property
    def shape(self) -> Size:
        """The size of every dimension, as ``torch.Tensor.shape`` (a ``Size``, a tuple of ints)."""
        return Size(self._storage.array.shape)

    def size(self, dim: int | None = None) -> Any:
        """Return the shape of the tensor, or the size of one dimension, as ``torch.Tensor.size``.

        Args:
            dim: the dimension whose size to return; negative counts from the end (default None: the
                whole shape).

        Returns:
            An ``arraygrad.Size`` when ``dim`` is None, otherwise the size of ``dim`` as an int.

        Raises:
            TypeError: ``dim`` is not an integer.
            IndexError: ``dim`` is out of range.
        """
        shape = self._storage.array.shape
        if dim is None:
            return Size(shape)
        return shape[_dim(dim, len(shape), "size")]

    @property
    def ndim(self) -> int:
        """The number of dimensions (0 for a scalar), as ``torch.Tensor.ndim``."""
        return self._storage.array.ndim

    def dim(self) -> int:
        """Return the number of dimensions of the tensor (0 for a scalar), as ``ndim``.

        Returns:
            The number of dimensions, as an int.
        """
        return self._storage.array.ndim

    ndimension = dim

    def numel(self) -> int:
        """Return the number of elements of the tensor (the product of its shape).

        Returns:
            The element count, as an int (1 for a 0-d tensor).
        """
        return math.prod(self._storage.array.shape)

    nelement = numel

    def __len__(self) -> int:
        shape = self._storage.array.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    @property
    def dtype(self) -> dtypes.dtype:
        """The element type (``ag.float32``, ``ag.int64``, ...), as ``torch.Tensor.dtype``."""
        return dtypes.BY_NAME[self._backend.dtype_names[self._storage.array.dtype]]

    @property
    def backend(self) -> Backend:
        """The backend whose array holds the data (numpy, jax, cupy or array-api-strict)."""
        return self._backend

    @property
    def device(self) -> device:
        """The device the data lives on (``device('cpu')``, ``device('cuda', 0)``), as ``torch.Tensor.device``."""
        return device(self._backend.device_of(self._storage.array))

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on a CUDA device (cupy, or jax on a GPU)."""
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the tensor lives in host memory."""
        return self.device.type == "cpu"

    @property
    def is_xpu(self) -> bool:
        """Always False: no arraygrad backend runs on Intel XPUs."""
        return False

    @property
    def is_mps(self) -> bool:
        """Always False: no arraygrad backend runs on Apple's MPS."""
        return False

    @property
    def is_meta(self) -> bool:
        """Always False: arraygrad has no meta (shape-only) tensors."""
        return False

    def get_device(self) -> int:
        """Return the CUDA device index of the tensor, or -1 for a tensor on the CPU (as PyTorch).

        Returns:
            The device index as an int (0 for a device without an index), -1 on the CPU.
        """
        dev = self.device
        return -1 if dev.type == "cpu" else (dev.index or 0)

    def is_floating_point(self) -> bool:
        """Tell whether the tensor's dtype is a floating-point one (float16, bfloat16, float32, float64).

        Returns:
            True for a floating-point dtype, False otherwise (complex included).
        """
        return self.dtype.is_floating_point

    def element_size(self) -> int:
        """Return the size of one element in bytes (4 for float32).

        Returns:
            The item size of the tensor's dtype, as an int.
        """
        return self.dtype.itemsize

    # ------------------------------------------------------------------ autograd attributes
    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor; settable on leaves, as in PyTorch."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                )
            return
        if value and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError(f"only tensors of floating point dtype can require gradients, got {self.dtype}")
        if value and not GRAD_MODE.inference and self.is_inference():
            raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
        self._rg = bool(value)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (None until one arrives)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        """``t.grad = g``: ``g`` must be None or a tensor of this tensor's backend, dtype and shape,
        as in PyTorch (an optimizer step would otherwise change the parameter's shape or dtype).

        Raises:
            TypeError: ``value`` is neither None nor a Tensor.
            RuntimeError: ``value`` is this tensor, or differs in backend, dtype or shape.
        """
        if value is not None:
            _check_assigned_grad(self, value)
        self._grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return the tensor, as ``torch.Tensor.requires_grad_``.

        Args:
            requires_grad: whether autograd should record operations on this tensor (default True).

        Returns:
            This tensor.

        Raises:
            RuntimeError: turning it off on a non-leaf tensor, turning it on for a tensor that is neither
                floating point nor complex, or on an inference tensor outside ``inference_mode``.
        """
        self.requires_grad = requires_grad
        return self

    def is_inference(self) -> bool:
        """Tell whether this tensor was created in ``inference_mode`` (or is a view of such a tensor).

        Returns:
            True for an inference tensor, False otherwise.
        """
        st = self._storage
        return (st.base or st).inference

    @property
    def is_leaf(self) -> bool:
        """Whether the tensor was not made by a recorded operation (``grad_fn`` is None)."""
        return self.grad_fn is None

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's storage, outside the graph (``p.data.sub_(...)`` updates ``p``)."""
        return Tensor._alias(self._storage, self._backend)

    @data.setter
    def data(self, value: Tensor) -> None:
        """``p.data = t``: ``p`` now shares ``t``'s storage (any backend, dtype or shape), as in
        PyTorch; earlier aliases of ``p`` keep the old values."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data assignment: expected a Tensor, got {type(value).__name__}")
        self._storage = value._storage
        self._backend = value._backend

    @property
    def _version(self) -> int:
        return self._storage.version

    def detach(self) -> Tensor:
        """Return a new tensor sharing storage with this one, cut from the graph, as ``torch.Tensor.detach``.

        In-place changes to either show in the other; the result does not require grad.

        Returns:
            A tensor with the same values and memory, no ``grad_fn`` and ``requires_grad=False``.
        """
        return Tensor._alias(self._storage, self._backend)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad.

        Its ``grad_fn`` is dropped and ``requires_grad`` set to False; its values and memory are kept.

        Returns:
            This tensor.
        """
        self.grad_fn = None
        self._rg = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains:
            return
        self._retains = True
        import weakref

        ref = weakref.ref(self)

        def keep(grad: Tensor) -> None:
            t = ref()
            if t is not None:
                g = grad.detach() if not GRAD_MODE.enabled else grad
                t.grad = g if t.grad is None else t.grad + g

        self.grad_fn.register_prehook(self._output_nr, keep)

    @property
    def retains_grad(self) -> bool:
        """Whether backward stores this non-leaf tensor's gradient in ``.grad`` (see ``retain_grad``)."""
        return self._retains

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when the gradient for this tensor is computed, as ``torch.Tensor.register_hook``.

        A tensor returned by the hook replaces the gradient; None keeps it. On a leaf the hook runs before
        the gradient is accumulated into ``.grad``.

        Args:
            hook: a callable taking the gradient tensor and returning a tensor or None.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            RuntimeError: the tensor does not require grad.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            self.grad_fn.register_prehook(self._output_nr, hook)
            hooks = self.grad_fn._hooks[self._output_nr]  # type: ignore[index]
        else:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            hooks = self._hooks
        return RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(self)`` during ``backward()`` once this leaf's gradient has been accumulated into ``self.grad``.

        The hook runs as soon as the last contribution arrives, while backward goes on elsewhere; its
        return value is ignored.

        Args:
            hook: a callable taking this tensor and returning None.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            RuntimeError: the tensor does not require grad, or is not a leaf.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from arraygrad.core.autograd import POST_ACCUMULATE_HOOKS

        return POST_ACCUMULATE_HOOKS.register(self, hook)  # type: ignore[no-any-return]

    def backward(
        self, gradient: Tensor | None = None, retain_graph: bool | None = None, create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of the graph's leaves.

        Args:
            gradient: d(something)/d(self), required unless this tensor has one element (default None).
            retain_graph: keep the graph's saved tensors for another backward (default None: ``create_graph``).
            create_graph: record the backward pass so that gradients can be differentiated again (default False).
            inputs: a tensor or a sequence of tensors: accumulate gradients into these only, leaving the
                ``.grad`` of the other leaves alone (default None: every leaf).

        Raises:
            RuntimeError: this tensor does not require grad; it is not a scalar and no gradient was
                given; the graph was already freed by an earlier backward; a saved tensor was
                modified in place.
        """
        from arraygrad.core import autograd

        if inputs is not None:
            ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = autograd.grad(self, ins, gradient, retain_graph, create_graph, allow_unused=True)
            for t, g in zip(ins, grads):
                if g is not None:
                    autograd._store_grad(t, g, create_graph)
            return
        autograd.backward(self, gradient, retain_graph, create_graph)

    # ------------------------------------------------------------------ conversion
    def item(self) -> Any:
        """Return the single value of a one-element tensor as a Python number, as ``torch.Tensor.item``.

        Returns:
            A Python ``int``, ``float``, ``bool`` or ``complex``, by the tensor's dtype.

        Raises:
            RuntimeError: the tensor has more or fewer than one element.
        """
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._backend.to_numpy(self._storage.array).reshape(()).item()

    def tolist(self) -> Any:
        """Return the values of the tensor as (nested) Python lists of Python numbers, as ``torch.Tensor.tolist``.

        Returns:
            Nested lists with one level per dimension; a plain Python number for a 0-d tensor.
        """
        return self._backend.to_numpy(self._storage.array).tolist()

    def numpy(self, *, force: bool = False) -> Any:
        """Return the data as a numpy array on the host.

        On the numpy backend the array shares this tensor's memory, both ways, as in PyTorch:
        in-place tensor ops show in it and writes into it show in the tensor (and its views).
        On other backends it is a copy on the host (as ``.cpu().numpy()`` of a CUDA tensor).

        Args:
            force: allow a tensor that requires grad (the array is then outside the graph) (default False).

        Returns:
            A ``numpy.ndarray`` of the tensor's shape and matching dtype.

        Raises:
            RuntimeError: the tensor requires grad (call ``.detach().numpy()``), unless ``force``.
        """
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self._backend.shares_host_memory:
            from arraygrad.core.views import pin

            pin(self._storage, self._backend)
        return self._backend.to_numpy(self._storage.array)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        arr = self.numpy(force=True)
        if copy:
            arr = arr.copy()
        return arr if dtype is None else arr.astype(dtype, copy=bool(copy))

    # ------------------------------------------------------------------ memory layout
    @property
    def _base(self) -> Tensor | None:
        """The tensor this one is a view of (None for a tensor that owns its memory)."""
        from arraygrad.core.views import base_of

        return base_of(self)

    def _is_view(self) -> bool:
        return self._storage.base is not None

    def stride(self, dim: int | None = None) -> Any:
        """Return the step in elements between neighbours along each dimension of the memory this tensor views.

        A tensor that owns its memory is row-major, as in PyTorch; views (transposes, slices) have the
        strides of the memory they view.

        Args:
            dim: the dimension whose stride to return; negative counts from the end (default None: all).

        Returns:
            A tuple of ints, one per dimension, or the stride of ``dim`` as an int.

        Raises:
            TypeError: ``dim`` is not an integer.
            IndexError: ``dim`` is out of range.
        """
        from arraygrad.core.views import layout

        strides = layout(self._storage, self._backend)[0]
        return strides if dim is None else strides[_dim(dim, len(strides), "stride")]

    def storage_offset(self) -> int:
        """Return where this tensor's first element sits in its storage, in elements (0 for a tensor that owns its memory).

        Returns:
            The offset, as an int.
        """
        from arraygrad.core.views import layout

        return layout(self._storage, self._backend)[1]

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Tell whether the elements lie in row-major order with no gaps (PyTorch's rule).

        Args:
            memory_format: accepted for PyTorch compatibility; ignored (default None).

        Returns:
            True when the tensor's strides are the row-major ones of its shape (dimensions of size 1
            and empty tensors aside), False otherwise.
        """
        from arraygrad.core.views import is_contiguous

        return is_contiguous(tuple(self._storage.array.shape), self.stride())

    def untyped_storage(self) -> UntypedStorage:
        """Return the memory this tensor views; two tensors share memory when their storages' ``data_ptr()`` are equal.

        Returns:
            An ``UntypedStorage`` of the root memory (shared by the tensor, its views and detached aliases).
        """
        st = self._storage
        return UntypedStorage(st.base or st, self._backend)

    def data_ptr(self) -> int:
        """Return the address of the first element: the storage's ``data_ptr()`` plus the offset in bytes.

        Returns:
            The address, as an int.
        """
        return self.untyped_storage().data_ptr() + self.storage_offset() * self.element_size()

    def is_shared(self) -> bool:
        """Tell whether the memory lives in shared memory (``share_memory_()``).

        Returns:
            True when the memory is shared between processes, False otherwise.
        """
        root = self._storage.base or self._storage
        return self._backend.is_shared(root.array)

    def share_memory_(self) -> Tensor:
        """Move the memory into shared memory, so that processes started with ``arraygrad.multiprocessing`` see it.

        Processes started by fork or spawn then see the same values; a no-op when it is already shared.
        Views of the tensor follow the move.

        Returns:
            This tensor.

        Raises:
            RuntimeError: the backend cannot share host memory between processes (jax, cupy, strict).
        """
        from arraygrad.core.views import live_views, replay

        be = self._backend
        root = self._storage.base or self._storage
        if not be.shares_host_memory:
            raise RuntimeError(
                f"share_memory_: tensors on backend {be.name!r} cannot live in shared memory; "
                "use the numpy backend for tensors shared between processes"
            )
        if not be.is_shared(root.array):
            root.array = be.to_shared(root.array)
            for v in live_views(root):
                v.array = replay(be, root.array, v.chain)
        root.pinned = True
        return self

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._storage.array.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self._storage.array.__dlpack_device__()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} elements is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __repr__(self) -> str:
        from arraygrad.core.printing import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """A detached copy with its own storage (and a copy of ``.grad``), like PyTorch's."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol"
            )
        if id(self) in memo:
            return memo[id(self)]
        new = type(self)._alias(Storage(self._backend.copy(self._storage.array)), self._backend)
        new._rg = self._rg
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        return new

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickle as (values, dtype, backend, requires_grad); a tensor in shared memory travels as
        a handle to that memory, so the unpickled tensor in another process writes into it too."""
        from arraygrad.core import sharing

        return sharing.reduce_tensor(self)


class UntypedStorage:
    """The memory behind a tensor and its views (what ``Tensor.untyped_storage()`` returns)."""

    __slots__ = ("_root", "_backend")

    def __init__(self, root: Storage, backend: Backend) -> None:
        self._root, self._backend = root, backend

    def data_ptr(self) -> int:
        be, root = self._backend, self._root
        if be.shares_host_memory:
            from arraygrad.core.views import pin

            pin(root, be)  # a real address is only stable once the buffer is pinned
        ptr = be.data_ptr(root.array)
        return ptr if ptr is not None else id(root) * 64

    def nbytes(self) -> int:
        arr = self._root.array
        return math.prod(arr.shape) * dtypes.BY_NAME[self._backend.dtype_names[arr.dtype]].itemsize

    size = nbytes

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UntypedStorage) and other._root is self._root

    def __hash__(self) -> int:
        return id(self._root)


class RemovableHandle:
    """Returned by hook registrations; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Any] | dict[Any, Any], key: Any) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        if isinstance(self._hooks, dict):
            self._hooks.pop(self._key, None)
        elif self._key in self._hooks:
            self._hooks.remove(self._key)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _dim(d: int, ndim: int, op: str) -> int:
    """Normalise a possibly negative dim, with PyTorch's errors for an out-of-range one (IndexError)
    or one that is not an integer (TypeError: a float would otherwise pass the range test)."""
    if type(d) is not int:
        if isinstance(d, bool) or not hasattr(d, "__index__"):
            raise TypeError(f"{op}(): argument 'dim' must be int, not {type(d).__name__}")
        d = d.__index__()
    if not -max(ndim, 1) <= d < max(ndim, 1):
        lo, hi = -max(ndim, 1), max(ndim, 1) - 1
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
    return d % ndim if ndim else 0


def _int_arg(value: Any, op: str, arg: str) -> int:
    """An integer argument as a Python int, with PyTorch's TypeError for a float, bool or None
    (which would otherwise be truncated or compared silently)."""
    if type(value) is int:
        return value
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{op}(): argument '{arg}' must be int, not {type(value).__name__}")
    return int(value.__index__())


def _check_assigned_grad(t: Tensor, g: Any) -> None:
    """PyTorch's checks on ``t.grad = g`` (backend standing in for device)."""
    if not isinstance(g, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(g).__name__}")
    if g._backend is t._backend and not g.is_sparse and g is not t:
        # the common case, a gradient that fits, in a few attribute reads (backward stores one per leaf)
        mine, theirs = t._storage.array, g._storage.array
        if mine.dtype == theirs.dtype and mine.shape == theirs.shape:
            return
    if g is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if g._backend is not t._backend:
        raise RuntimeError(
            f"attempting to assign a gradient on backend {g._backend.name!r} to a tensor on backend "
            f"{t._backend.name!r}. Please ensure that the gradient and the tensor are on the same backend"
        )
    if g.dtype != t.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{g.dtype}' to a tensor with dtype '{t.dtype}'. "
            "Please ensure that the gradient and the tensor have the same dtype"
        )
    if g.shape != t.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(g.shape)}' to a tensor of size '{list(t.shape)}'. "
            "Please ensure that the gradient and the tensor are the same size"
        )
