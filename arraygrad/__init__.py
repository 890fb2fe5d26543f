"""arraygrad: a PyTorch-shaped deep-learning framework on any array API backend.

    import arraygrad as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    ((x * 2 + 1) * x).sum().backward()
    x.grad  # tensor([5., 9.])

The backend for new tensors comes from ``ARRAYGRAD_BACKEND`` (default ``numpy``) and can be
changed with ``ag.use_backend("jax")`` or ``ag.set_default_backend(...)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

# PyTorch's device namespaces (torch.cuda, torch.accelerator, torch.utils.data, torch.onnx) and
# global switches (torch.backends.* flags live in arraygrad.backends)
from arraygrad import (
    accelerator,
    amp,
    autograd,
    backends,
    cpu,
    cuda,
    data,
    distributed,
    nn,
    onnx,
    optim,
    sparse,
    utils,
)
from arraygrad.amp import autocast, get_autocast_dtype, is_autocast_available, is_autocast_enabled
from arraygrad.backends.flags import (
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_threads,
    use_deterministic_algorithms,
)
from arraygrad.core import methods as _methods  # noqa: F401  (binds Tensor methods)
from arraygrad.core.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled
from arraygrad.core.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from arraygrad.core.compiled import CompileError, compile
from arraygrad.core.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    get_default_device,
    linspace,
    logspace,
    ones,
    ones_like,
    set_default_device,
    tensor,
    zeros,
    zeros_like,
)
from arraygrad.core.dtypes import (
    bfloat16,
    complex64,
    complex128,
    dtype,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
    uint16,
    uint32,
    uint64,
)
from arraygrad.core.dtypes import (
    bool_ as bool,  # noqa: A004 - PyTorch name
)
from arraygrad.core.indexing import (
    argwhere,
    gather,
    index_add,
    index_put,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    take,
    take_along_dim,
)
from arraygrad.core.legacy import (
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from arraygrad.core.matrix import diag, diag_embed, diagflat, tril_indices, triu_indices
from arraygrad.core.methods import to
from arraygrad.core.ops import (
    abs,
    add,
    addmm,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    bmm,
    ceil,
    clamp,
    clip,
    cos,
    count_nonzero,
    cumsum,
    div,
    dot,
    eq,
    equal,
    exp,
    expm1,
    floor,
    floor_divide,
    fmod,
    ge,
    gt,
    inner,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logsumexp,
    lt,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    mv,
    ne,
    neg,
    norm,
    outer,
    pow,
    prod,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    std,
    sub,
    sum,
    tan,
    tanh,
    trunc,
    var,
    where,
)
from arraygrad.core.ops import abs as absolute
from arraygrad.core.ops import div as divide
from arraygrad.core.ops import div as true_divide
from arraygrad.core.ops import ge as greater_equal
from arraygrad.core.ops import gt as greater
from arraygrad.core.ops import le as less_equal
from arraygrad.core.ops import lt as less
from arraygrad.core.ops import mul as multiply
from arraygrad.core.ops import ne as not_equal
from arraygrad.core.ops import neg as negative
from arraygrad.core.ops import sub as subtract
from arraygrad.core.random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from arraygrad.core.shape import (
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    clone,
    concat,
    concatenate,
    diagonal,
    flatten,
    flip,
    fliplr,
    flipud,
    hstack,
    moveaxis,
    movedim,
    narrow,
    permute,
    ravel,
    repeat_interleave,
    reshape,
    roll,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    tensor_split,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from arraygrad.core.sorting import (
    argsort,
    bincount,
    bucketize,
    cummax,
    cummin,
    kthvalue,
    median,
    msort,
    nanmedian,
    searchsorted,
    sort,
    topk,
    unique,
    unique_consecutive,
)
from arraygrad.core.tensor import Size, Tensor, device, layout, sparse_coo, strided
from arraygrad.serialization import load, save
from arraygrad.sparse import sparse_coo_tensor, spmm

long = int64
int = int32  # noqa: A001 - PyTorch name
float = float32  # noqa: A001 - PyTorch name
double = float64
half = float16
short = int16

__version__ = "0.1.0"


def is_tensor(obj: object) -> bool:
    """Tell whether ``obj`` is an arraygrad Tensor, as ``torch.is_tensor``.

    Args:
        obj: any object.

    Returns:
        True when ``obj`` is a ``Tensor`` (sparse tensors included).
    """
    return isinstance(obj, Tensor)


def detach(input: Tensor) -> Tensor:  # noqa: A002
    """Return a tensor sharing ``input``'s memory but detached from the autograd graph, as ``Tensor.detach``.

    Args:
        input: the tensor to detach.

    Returns:
        A tensor with the same values that does not require grad.
    """
    return input.detach()


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """Tell whether ``input`` has a floating-point dtype, as ``torch.is_floating_point``.

    Args:
        input: the tensor.

    Returns:
        True for float16, bfloat16, float32 and float64 tensors.
    """
    return input.dtype.is_floating_point


def numel(input: Tensor) -> int:  # noqa: A002
    """Return the number of elements of ``input``, as ``torch.numel``.

    Args:
        input: the tensor.

    Returns:
        The product of its sizes (1 for a 0-d tensor).
    """
    return input.numel()


def get_default_backend() -> str:
    """Return the name of the backend new tensors are created on in this thread.

    Returns:
        The backend name, such as ``"numpy"`` or ``"jax"``.
    """
    return backends.default_name()


def set_default_backend(name: str) -> None:
    """Create new tensors on backend ``name`` from now on, in this thread.

    Called on the main thread it also sets the default of every thread that has not chosen its own.

    Args:
        name: the backend name, such as ``"numpy"``, ``"jax"``, ``"cupy"`` or ``"array_api_strict"``.

    Raises:
        ValueError: unknown name (the message lists registered backends).
        backends.BackendUnavailableError: the backend's library is missing or has no device.
    """
    backends.set_default(name)


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[backends.Backend]:
    """Create new tensors on backend ``name`` within the block, in this thread::

        with ag.use_backend("jax"):
            x = ag.ones(3)

    Other threads keep their own default, as each thread keeps its own grad mode. The previous
    default comes back on exit.

    Args:
        name: the backend name, such as ``"numpy"`` or ``"jax"``.

    Yields:
        The backend object for ``name``.
    """
    previous = backends.thread_default_setting()
    backends.set_thread_default(name)
    try:
        yield backends.get(name)
    finally:
        backends.set_thread_default(previous)


# every public name, so that type checkers (mypy --strict: no implicit re-export) and
# `from arraygrad import *` see them; tests/test_typing.py checks it is complete
__all__ = [
    "BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "Generator",
    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor", "Size", "Tensor", "abs", "absolute", "accelerator",
    "add", "addmm", "all", "allclose", "amax", "amin", "amp", "any", "arange",
    "are_deterministic_algorithms_enabled", "argmax", "argmin", "argsort", "argwhere", "as_tensor", "autocast",
    "autograd", "backends", "bernoulli", "bfloat16", "bincount", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "bmm", "bool", "broadcast_shapes", "broadcast_tensors", "broadcast_to", "bucketize", "cat",
    "CompileError", "ceil", "chunk", "clamp", "clip", "clone", "compile", "complex128", "complex64", "concat", "concatenate",
    "core", "cos",
    "count_nonzero", "cpu", "cuda", "cummax", "cummin", "cumsum", "data", "default_generator", "detach", "device", "distributed",
    "diag", "diag_embed", "diagflat", "diagonal", "div", "divide", "dot", "double", "dtype", "empty",
    "empty_like", "enable_grad", "eq", "equal", "exp", "expm1", "eye", "finfo", "flatten", "flip", "fliplr",
    "flipud", "float", "float16", "float32", "float64", "floor", "floor_divide", "fmod", "from_dlpack",
    "from_numpy", "full", "full_like", "gather", "ge", "get_autocast_dtype", "get_default_backend",
    "get_default_device", "get_default_dtype", "get_float32_matmul_precision", "get_num_threads", "get_rng_state",
    "greater", "greater_equal", "gt", "half", "hstack", "iinfo", "index_add", "index_put", "index_select",
    "inference_mode", "initial_seed", "inner", "int", "int16", "int32", "int64", "int8",
    "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "is_autocast_available",
    "is_autocast_enabled", "is_deterministic_algorithms_warn_only_enabled", "is_floating_point",
    "is_grad_enabled", "is_inference_mode_enabled", "is_tensor", "isclose", "isfinite", "isinf", "isnan",
    "kthvalue", "layout", "le", "less", "less_equal", "linspace", "load", "log", "log10", "log1p", "log2",
    "log_softmax", "logical_and", "logical_not", "logical_or", "logical_xor", "logspace", "logsumexp", "long",
    "lt", "manual_seed", "masked_fill", "masked_select", "matmul", "max", "maximum", "mean", "median", "min",
    "minimum", "mm", "moveaxis", "movedim", "msort", "mul", "multinomial", "multiply", "mv", "nanmedian",
    "narrow", "ne", "neg", "negative", "nn", "no_grad", "nonzero", "norm", "not_equal", "numel", "ones",
    "ones_like", "onnx", "optim", "outer", "permute", "pow", "prod", "rand", "rand_like", "randint",
    "randint_like", "randn", "randn_like", "randperm", "ravel", "reciprocal", "relu", "remainder",
    "repeat_interleave", "reshape", "roll", "round", "rsqrt", "save", "scatter", "scatter_add", "searchsorted",
    "seed", "select", "serialization", "set_anomaly_enabled", "set_default_backend", "set_default_device", "set_default_dtype",
    "set_float32_matmul_precision", "set_grad_enabled", "set_num_threads", "set_rng_state", "short", "sigmoid",
    "sign", "sin", "softmax", "sort", "sparse", "sparse_coo", "sparse_coo_tensor", "split", "spmm", "sqrt",
    "square", "squeeze", "stack", "std", "strided", "sub", "subtract", "sum", "swapaxes", "swapdims", "t", "take",
    "take_along_dim", "tan", "tanh", "tensor", "tensor_split", "tile", "to", "topk", "transpose", "tril",
    "tril_indices", "triu", "triu_indices", "true_divide", "trunc", "uint16", "uint32", "uint64", "uint8",
    "unbind", "unflatten", "unique", "unique_consecutive", "unsqueeze", "use_backend",
    "use_deterministic_algorithms", "utils", "var", "vstack", "where", "zeros", "zeros_like",
]

# PyTorch's TypeError for a list, None or number where a Tensor goes, checked only once a call has
# failed (see arraygrad.core.argtypes); internal code calls the unwrapped functions
from arraygrad.core import argtypes as _argtypes  # noqa: E402
from arraygrad.core import out as _out  # noqa: E402

_argtypes.install(globals(), __all__, skip=_out.OUT_RULES)

# ``out=`` on the functions PyTorch gives it to (see arraygrad.core.out); internal code calls the
# unwrapped functions, so only calls through this namespace pay for it; its wrappers check the
# argument types of a failed call as well
_out.install(globals())
