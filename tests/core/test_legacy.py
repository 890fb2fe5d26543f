"""PyTorch's legacy constructors (``Tensor(...)``, ``FloatTensor(...)``...), ``x.type()``, the
``new*`` family and ``size=`` on creation functions, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.core import legacy

LEGACY_NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor",
                "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


def _same(ours: ag.Tensor, theirs: torch.Tensor) -> None:
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)


def _values(ours: ag.Tensor, theirs: torch.Tensor) -> None:
    _same(ours, theirs)
    assert ours.tolist() == theirs.tolist()


# ---------------------------------------------------------------------- constructors


DATA_FORMS = [([1, 2],), ([[1.5, 2], [3, 4]],), ([[True, False]],), ((2, 3),), ([],)]
DATA_IDS = ["ints", "nested", "bools", "tuple-is-data", "empty-list"]


def _check_data_form(backend: str, name: str, args: tuple) -> None:
    if backend == "strict" and name in ("HalfTensor", "BFloat16Tensor"):
        pytest.skip("strict: array-api-strict has no float16/bfloat16 dtypes")
    ours = getattr(ag, name)(*args)
    _values(ours, getattr(torch, name)(*args))
    assert ours.backend.name == backend


@pytest.mark.backends("numpy", "strict")
@pytest.mark.parametrize("args", DATA_FORMS, ids=DATA_IDS)
@pytest.mark.parametrize("name", ["Tensor", *LEGACY_NAMES])
def test_data_forms_match_torch(backend: str, name: str, args: tuple) -> None:
    _check_data_form(backend, name, args)


@pytest.mark.backends("jax")
@pytest.mark.parametrize("args", DATA_FORMS, ids=DATA_IDS)
@pytest.mark.parametrize("name", ["Tensor", "FloatTensor", "LongTensor", "BoolTensor"])
def test_data_forms_match_torch_on_jax(backend: str, name: str, args: tuple) -> None:
    _check_data_form(backend, name, args)


@pytest.mark.parametrize("name", ["Tensor", *LEGACY_NAMES])
@pytest.mark.parametrize("args", [(2, 3), (4,), (0,), ()], ids=["2x3", "4", "0", "none"])
def test_size_forms_give_the_shape(name: str, args: tuple) -> None:
    ours = getattr(ag, name)(*args)
    _same(ours, getattr(torch, name)(*args))
    assert not ours.any()  # uninitialised in PyTorch; zero-filled here


def test_size_object_is_a_shape_but_a_tuple_is_data() -> None:
    assert tuple(ag.Tensor(ag.Size([2, 3])).shape) == (2, 3)
    assert ag.Tensor((2, 3)).tolist() == [2.0, 3.0]
    assert tuple(ag.LongTensor(ag.Size([4])).shape) == (4,)


def test_default_dtype_is_read_at_call_time() -> None:
    ag.set_default_dtype(ag.float64)
    assert ag.Tensor([1]).dtype is ag.float64
    assert ag.Tensor(2).dtype is ag.float64
    assert ag.FloatTensor([1]).dtype is ag.float32


def test_numpy_arrays_are_converted() -> None:
    for arr in (np.array([1, 2], dtype=np.int64), np.array([[1.5]], dtype=np.float64)):
        _values(ag.Tensor(arr), torch.Tensor(arr))
        _values(ag.LongTensor(arr.astype(np.int64)), torch.LongTensor(arr.astype(np.int64)))
        _values(ag.FloatTensor(arr), torch.FloatTensor(arr))


def test_a_tensor_argument_is_shared_not_copied() -> None:
    src = ag.ones(3)
    alias = ag.Tensor(src)
    alias.add_(1)
    assert src.tolist() == [2.0, 2.0, 2.0]
    assert ag.Tensor(ag.tensor([1, 2])).dtype is ag.int64  # plain Tensor keeps any dtype, as PyTorch
    same = ag.LongTensor(ag.tensor([1, 2]))
    assert same.tolist() == [1, 2]


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.LongTensor(m.ones(2)),
        lambda m: m.Tensor(3.5),
        lambda m: m.Tensor("a"),
        lambda m: m.Tensor([1], [2]),
        lambda m: m.Tensor(2.0, 3),
        lambda m: m.Tensor(2, 3, dtype=m.float64),
    ],
    ids=["tensor-of-other-dtype", "float", "str", "two-lists", "float-size", "dtype-keyword"],
)
def test_bad_arguments_raise_type_error_like_torch(call) -> None:
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError):
        call(ag)


def test_negative_size_raises_like_torch() -> None:
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        torch.Tensor(-1)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        ag.Tensor(-1)


def test_device_keyword_is_accepted() -> None:
    assert ag.Tensor([1.0], device="cpu").tolist() == [1.0]


def test_parameter_and_subclasses_still_construct() -> None:
    p = ag.nn.Parameter(ag.ones(2))
    assert isinstance(p, ag.Tensor) and isinstance(p, ag.nn.Parameter) and p.requires_grad

    class Tagged(ag.Tensor):
        __slots__ = ()

    t = Tagged([1.0, 2.0])
    assert type(t) is Tagged and t.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------- types and isinstance


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
                                   "uint8", "bool", "complex64"])
def test_type_string_matches_torch(dtype: str) -> None:
    ours = ag.zeros(2, dtype=getattr(ag, dtype))
    theirs = torch.zeros(2, dtype=getattr(torch, dtype))
    assert ours.type() == theirs.type()


@pytest.mark.parametrize("name", LEGACY_NAMES)
def test_isinstance_checks_dtype_like_torch(name: str) -> None:
    ltype, ttype = getattr(ag, name), getattr(torch, name)
    for dtype in ("float32", "float64", "int64", "uint8", "bool"):
        ours = ag.zeros(2, dtype=getattr(ag, dtype))
        theirs = torch.zeros(2, dtype=getattr(torch, dtype))
        assert isinstance(ours, ltype) == isinstance(theirs, ttype), dtype
        assert isinstance(ours, ag.Tensor)
        assert not isinstance(ours, legacy.CUDA_TYPES[name])
    assert not isinstance([1.0], ltype)
    assert ltype.dtype.name == str(ttype.dtype).removeprefix("torch.")
    assert ltype.is_cuda is False


def test_isinstance_of_parameters_and_views() -> None:
    p = ag.nn.Parameter(ag.ones(2, 2))
    assert isinstance(p, ag.FloatTensor) and isinstance(p[0], ag.FloatTensor)
    assert not isinstance(p.double(), ag.FloatTensor) and isinstance(p.double(), ag.DoubleTensor)


def test_cuda_types_check_the_device() -> None:
    cuda_float = ag.cuda.FloatTensor
    assert all(getattr(ag.cuda, name) is legacy.CUDA_TYPES[name] for name in LEGACY_NAMES)
    x = ag.ones(2)
    assert not isinstance(x, cuda_float) and isinstance(x, ag.FloatTensor)
    assert cuda_float.is_cuda and cuda_float.dtype is ag.float32
    assert cuda_float.type_string() == "torch.cuda.FloatTensor"


def test_cuda_types_without_a_device_raise_clearly() -> None:
    if ag.backends.available().get("cupy") is None:
        pytest.skip("a CUDA device is present here; the error path needs a machine without one")
    with pytest.raises(RuntimeError, match="FloatTensor.*CUDA"):
        ag.cuda.FloatTensor(2, 3)


@pytest.mark.parametrize(
    "target", ["DoubleTensor", "torch.DoubleTensor", "float64", "LongTensor", "torch.IntTensor", "Tensor"]
)
def test_type_conversion_matches_torch(target: str) -> None:
    def resolve(mod):
        if target.startswith("torch."):
            return target
        return getattr(mod, target)

    ours = ag.tensor([1.5, -2.0]).type(resolve(ag))
    theirs = torch.tensor([1.5, -2.0]).type(resolve(torch))
    _values(ours, theirs)


def test_type_returns_self_when_nothing_changes_and_refuses_unknown_strings() -> None:
    x = ag.ones(2)
    assert x.type(ag.FloatTensor) is x
    assert x.type("torch.FloatTensor") is x
    with pytest.raises(ValueError, match="invalid type"):
        x.type("float")
    with pytest.raises(ValueError):
        torch.ones(2).type("float")


def test_legacy_gan_idiom() -> None:
    cuda = False
    Tensor = ag.cuda.FloatTensor if cuda else ag.FloatTensor  # noqa: N806 - the idiom's name
    imgs = ag.tensor([[1, 2], [3, 4]], dtype=ag.uint8)
    real = imgs.type(Tensor)
    assert real.dtype is ag.float32 and real.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    valid = Tensor(2, 1).fill_(1.0)
    assert valid.tolist() == [[1.0], [1.0]]
    z = Tensor(np.random.normal(0, 1, (2, 3)))
    assert z.dtype is ag.float32 and tuple(z.shape) == (2, 3)


# ---------------------------------------------------------------------- the new* family


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.new(2, 3),
        lambda x: x.new([1, 2]),
        lambda x: x.new((2, 3)),
        lambda x: x.new(),
        lambda x: x.new_tensor([1.5, 2]),
        lambda x: x.new_zeros(2, 3),
        lambda x: x.new_zeros((2, 3)),
        lambda x: x.new_zeros(size=(2,)),
        lambda x: x.new_ones([2], dtype=x.long().dtype),
        lambda x: x.new_full((2,), 3.5),
        lambda x: x.new_full(size=(2,), fill_value=3),
        lambda x: x.new_empty(2, 1),
        lambda x: x.new_empty(size=(3,)),
    ],
    ids=["new-sizes", "new-list", "new-tuple", "new-empty", "new_tensor", "new_zeros", "new_zeros-tuple",
         "new_zeros-size", "new_ones-dtype", "new_full", "new_full-keywords", "new_empty", "new_empty-size"],
)
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_new_family_matches_torch(call, dtype: str) -> None:
    ours = call(ag.zeros(1, dtype=getattr(ag, dtype)))
    theirs = call(torch.zeros(1, dtype=getattr(torch, dtype)))
    _same(ours, theirs)  # dtype and shape (the new/new_empty values are uninitialised in PyTorch)


def test_new_family_values_and_options(backend: str) -> None:
    x = ag.zeros(1, dtype=ag.float64)
    assert x.new([1, 2]).tolist() == [1.0, 2.0]
    assert x.long().new([1.5]).tolist() == [1]
    assert x.new_full((2,), 3.5).tolist() == [3.5, 3.5]
    assert x.new_tensor([1, 2]).backend is x.backend
    assert x.new_zeros(2).backend.name == backend
    assert x.new_empty(2, requires_grad=True).requires_grad
    assert x.new_ones(2, dtype=ag.float32).dtype is ag.float32
    with pytest.raises(TypeError):
        x.new_zeros(2, size=(3,))


# ---------------------------------------------------------------------- size= on creation functions


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.zeros(size=(2, 3)),
        lambda m: m.ones(size=[2]),
        lambda m: m.empty(size=(1, 2)),
        lambda m: m.full(size=(2,), fill_value=3),
        lambda m: m.full((2,), 3.0, dtype=m.int64),
        lambda m: m.rand(size=(2, 2)),
        lambda m: m.randn(size=(3,), generator=m.Generator()),
        lambda m: m.randint(0, 5, size=(4,)),
        lambda m: m.randint(5, size=(4,)),
        lambda m: m.randint(low=1, high=5, size=(2,)),
        lambda m: m.zeros(2, 3),
        lambda m: m.zeros((2, 3)),
        lambda m: m.zeros([2, 3]),
        lambda m: m.zeros(m.Size([2, 3])),
        lambda m: m.zeros([]),
        lambda m: m.zeros(m.tensor(3)),
        lambda m: m.ones(2, dtype=m.int32, requires_grad=False),
        lambda m: m.empty(2, requires_grad=True),
    ],
)
def test_size_forms_match_torch(call) -> None:
    ours, theirs = call(ag), call(torch)
    _same(ours, theirs)
    assert ours.requires_grad == theirs.requires_grad


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda m: m.zeros(-1), RuntimeError),
        (lambda m: m.ones([2, -3]), RuntimeError),
        (lambda m: m.zeros(2.0), TypeError),
        (lambda m: m.zeros((2.0, 3)), TypeError),
        (lambda m: m.zeros(True), TypeError),
        (lambda m: m.zeros(), TypeError),
        (lambda m: m.zeros(2, size=(3,)), TypeError),
        (lambda m: m.zeros(size=3), TypeError),
        (lambda m: m.full(2, 3.0), TypeError),
        (lambda m: m.rand(2.5), TypeError),
        (lambda m: m.randn(-2), RuntimeError),
        (lambda m: m.randint(0, 5), TypeError),
        (lambda m: m.randint(0, 5, 3), TypeError),
        (lambda m: m.randint(0, 5, (2.0,)), TypeError),
    ],
)
def test_bad_sizes_raise_like_torch(call, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error):
        call(ag)


def test_negative_size_message_matches_torch() -> None:
    with pytest.raises(RuntimeError, match=r"negative dimension -3: \[2, -3\]"):
        ag.ones([2, -3])


# ---------------------------------------------------------------------- autograd.Variable


def test_variable_is_a_detached_alias_like_torch() -> None:
    for m in (ag, torch):
        t = m.ones(2)
        v = m.autograd.Variable(t)
        assert v is not t and not v.requires_grad and isinstance(t, m.autograd.Variable)
        v.add_(1)
        assert t.tolist() == [2.0, 2.0]  # shares memory
        leaf = m.autograd.Variable(t, requires_grad=True)
        assert leaf.requires_grad and leaf.is_leaf and not t.requires_grad
        x = m.ones(2, requires_grad=True)
        assert m.autograd.Variable(x * 2).grad_fn is None
        assert tuple(m.autograd.Variable().shape) == (0,)
        with pytest.raises(TypeError, match="Variable data has to be a tensor"):
            m.autograd.Variable([1.0])
        with pytest.warns(UserWarning, match="volatile"):
            m.autograd.Variable(t, volatile=True)


def test_constructors_read_a_range_as_a_sequence() -> None:
    torch = pytest.importorskip("torch")
    for ours, theirs in ((ag.LongTensor(range(3)), torch.LongTensor(range(3))),
                         (ag.FloatTensor(range(2, 5)), torch.FloatTensor(range(2, 5))),
                         (ag.tensor(range(4)), torch.tensor(range(4)))):
        assert ours.tolist() == theirs.tolist() and ours.type() == theirs.type()
