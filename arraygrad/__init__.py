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

from arraygrad import autograd, backends, data, nn, optim  # noqa: E402
from arraygrad.core import methods as _methods  # noqa: F401  (binds Tensor methods)
from arraygrad.core.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
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
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from arraygrad.core.dtypes import (
    bool_ as bool,  # noqa: A004 - PyTorch name
)
from arraygrad.core.dtypes import (
    complex64,
    complex128,
    dtype,
    float32,
    float64,
    get_default_dtype,
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
from arraygrad.core.methods import to
from arraygrad.core.ops import (
    abs,
    add,
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
from arraygrad.core.tensor import Size, Tensor, device
from arraygrad.serialization import load, save

long = int64
int = int32  # noqa: A001 - PyTorch name
float = float32  # noqa: A001 - PyTorch name
double = float64
short = int16

__version__ = "0.1.0"


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def detach(input: Tensor) -> Tensor:  # noqa: A002
    return input.detach()


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    return input.dtype.is_floating_point


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


def get_default_backend() -> str:
    """The name of the backend new tensors are created on."""
    return backends.default_name()


def set_default_backend(name: str) -> None:
    """Create new tensors on backend ``name`` from now on.

    Raises:
        ValueError: unknown name (the message lists registered backends).
        backends.BackendUnavailableError: the backend's library is missing or has no device.
    """
    backends.set_default(name)


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[backends.Backend]:
    """Within the block, new tensors are created on backend ``name``::

        with ag.use_backend("jax"):
            x = ag.ones(3)
    """
    previous = backends.default_name()
    backends.set_default(name)
    try:
        yield backends.get(name)
    finally:
        backends.set_default(previous)
