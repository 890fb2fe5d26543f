"""Indexing with gradients, compared with PyTorch: basic and advanced keys, __setitem__ under
autograd, gather/scatter family, and bounds checks (jax would clamp out-of-range indices)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.core.indexing import one_hot
from tests.helpers import backend_cases, compare_with_torch, lib_of

RNG = np.random.default_rng(0)
X34 = RNG.standard_normal((3, 4))
X234 = RNG.standard_normal((2, 3, 4))

# key builders: given the library module, return the key
GETITEM_CASES = {
    "int": (X34, lambda L: 1),
    "negative_int": (X34, lambda L: -1),
    "int_int": (X34, lambda L: (2, -3)),
    "slice": (X34, lambda L: slice(1, 3)),
    "step_slice": (X34, lambda L: (slice(None), slice(None, None, 2))),
    "negative_slice": (X34, lambda L: (slice(-2, None), slice(-3, -1))),
    "slice_beyond_bounds": (X34, lambda L: (slice(-100, 2), slice(2, 100))),
    "empty_slice": (X34, lambda L: slice(5, 10)),
    "step_3": (X234, lambda L: (slice(None), slice(None), slice(1, None, 3))),
    "none": (X34, lambda L: (None, 1)),
    "none_middle": (X34, lambda L: (slice(None), None, slice(1, 3))),
    "ellipsis": (X234, lambda L: (Ellipsis, 1)),
    "ellipsis_front": (X234, lambda L: (0, Ellipsis)),
    "ellipsis_none": (X234, lambda L: (Ellipsis, None, slice(0, 2))),
    "int_array": (X34, lambda L: L.tensor([2, 0, 2])),
    "int_array_2d": (X34, lambda L: L.tensor([[0, 1], [2, 0]])),
    "negative_array": (X34, lambda L: L.tensor([-1, 0])),
    "list": (X34, lambda L: [0, 2, 2]),
    "two_arrays": (X34, lambda L: (L.tensor([0, 2, 0]), L.tensor([1, 3, 1]))),
    "broadcast_arrays": (X34, lambda L: (L.tensor([[0], [2]]), L.tensor([1, 3, 3]))),
    "bool_mask_rows": (X34, lambda L: L.tensor([True, False, True])),
    "bool_mask_full": (X34, lambda L: L.tensor(X34 > 0)),
    "mixed_slice_array": (X34, lambda L: (slice(1, None), L.tensor([0, 3, 3]))),
    "mixed_array_slice": (X234, lambda L: (L.tensor([1, 0]), slice(None), slice(0, 2))),
    "separated_arrays": (X234, lambda L: (L.tensor([1, 0]), slice(None), L.tensor([3, 3]))),
    "int_and_array": (X234, lambda L: (1, slice(None), L.tensor([0, 2, 2]))),
    "adjacent_arrays_middle": (X234, lambda L: (slice(None), L.tensor([0, 2]), L.tensor([1, 1]))),
    "mask_then_slice": (X234, lambda L: (L.tensor([True, False]), slice(1, 3))),
    "ellipsis_array": (X234, lambda L: (Ellipsis, L.tensor([3, 0, 3]))),
}


# jax has its own indexing kernels (native x[key] after our bounds checks, .at[].add for the
# gradient): it runs a third of the keys with index arrays or masks and a sixth of the rest
ARRAY_KEYS = [name for name in GETITEM_CASES if "array" in name or "mask" in name or name == "list"]


@pytest.mark.parametrize(
    ("backend", "case"), backend_cases(GETITEM_CASES, jax_every=6, jax_always=ARRAY_KEYS[::3]), indirect=["backend"]
)
def test_getitem_values_and_gradients_against_torch(backend, case) -> None:
    pytest.importorskip("torch")
    data, key = GETITEM_CASES[case]
    compare_with_torch(lambda x: x[key(lib_of(x))], [data], rtol=0, atol=0)


def test_repeated_indices_accumulate_in_the_gradient(backend) -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[ag.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    m = ag.zeros(2, 2, requires_grad=True)
    (m[ag.tensor([1, 1]), ag.tensor([0, 0])] * ag.tensor([2.0, 5.0])).sum().backward()
    assert m.grad.tolist() == [[0.0, 0.0], [7.0, 0.0]]


def test_index_with_a_tensor_scalar(backend) -> None:
    x = ag.tensor([10, 20, 30])
    assert x[ag.tensor(2)].item() == 30
    assert x[ag.tensor(1)].shape == ()


@pytest.mark.parametrize(
    "key",
    [3, -4, (0, 4), (0, -5), [0, 3], (slice(None), [4]), (slice(None), [-5]), ([3, 0],)],
    ids=repr,
)
def test_out_of_range_index_is_an_index_error_on_every_backend(backend, key) -> None:
    x = ag.zeros(3, 4)
    with pytest.raises(IndexError, match="out of bounds"):
        x[key]


def test_out_of_range_tensor_index(backend) -> None:
    x = ag.zeros(3, 4, requires_grad=True)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[ag.tensor([0, 3])]
    with pytest.raises(IndexError, match="out of bounds"):
        x[ag.tensor([0, 1]), ag.tensor([4, 0])]


def test_other_bad_indices(backend) -> None:
    x = ag.zeros(3, 4)
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="long, int or bool"):
        x[ag.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="mask"):
        x[ag.tensor([True, False])]
    other = "numpy" if backend != "numpy" else "strict"
    with pytest.raises(RuntimeError, match=f"'{other}'"):
        x[ag.tensor([0], backend=other)]


# ---------------------------------------------------------------------- __setitem__


SETITEM_CASES = {
    "int": lambda L: 1,
    "slice": lambda L: (slice(None), slice(1, 3)),
    "step": lambda L: (slice(None), slice(None, None, 2)),
    "array": lambda L: L.tensor([0, 2]),
    "mask": lambda L: L.tensor([True, False, True]),
    "two_arrays": lambda L: (L.tensor([0, 2]), L.tensor([3, 1])),
    "ellipsis": lambda L: (Ellipsis, 0),
    "all_false_mask": lambda L: L.tensor([False, False, False]),
    "duplicate_arrays": lambda L: (L.tensor([0, 2, 0]), L.tensor([3, 1, 3])),
}


@pytest.mark.parametrize("case", SETITEM_CASES)
def test_setitem_gradients_against_torch(backend, case) -> None:
    pytest.importorskip("torch")
    key = SETITEM_CASES[case]

    def f(x, v):
        y = x * 1  # a non-leaf, so that the in-place write is allowed
        k = key(lib_of(x))
        target_shape = y[k].shape
        y[k] = v.reshape(-1)[: int(np.prod(target_shape))].reshape(target_shape) * 2
        return y * y

    compare_with_torch(f, [X34, RNG.standard_normal(12)], rtol=1e-12)


def test_setitem_broadcasts_a_scalar_and_a_row(backend) -> None:
    x = ag.zeros(2, 3)
    x[0] = 5.0
    x[:, 1] = ag.tensor([7.0, 8.0])
    x[1, 2] = 1
    assert x.tolist() == [[5.0, 7.0, 5.0], [0.0, 8.0, 1.0]]
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        x[0] = ag.ones(2)


def test_setitem_gradient_reaches_value_and_untouched_part(backend) -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = ag.tensor(10.0, requires_grad=True)
    y = x * 2
    y[1] = v
    assert y.grad_fn.name() == "CopySlices"
    (y * ag.tensor([1.0, 100.0, 1000.0])).sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 2000.0]  # the overwritten element gets nothing
    assert v.grad.item() == 100.0


def test_setitem_on_a_tensor_without_grad_with_a_value_requiring_grad(backend) -> None:
    buf = ag.zeros(3)
    v = ag.tensor([1.0, 2.0], requires_grad=True)
    buf[ag.tensor([2, 0])] = v
    assert buf.requires_grad and buf.tolist() == [2.0, 0.0, 1.0]
    (buf * ag.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad.tolist() == [3.0, 1.0]


def test_setitem_through_a_mask_that_selects_nothing(backend) -> None:
    x = ag.tensor([1.0, float("inf"), 2.0])
    x[x == 5] = 0  # selects nothing: changes nothing
    x[x == float("inf")] = 0
    assert x.tolist() == [1.0, 0.0, 2.0]


def test_setitem_with_repeated_positions_keeps_the_last_value(backend) -> None:
    x = ag.zeros(6)
    x[ag.tensor([1, 3, 1, 5, 3])] = ag.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    assert x.tolist() == [0.0, 3.0, 0.0, 5.0, 0.0, 4.0]


def test_setitem_out_of_range(backend) -> None:
    x = ag.zeros(3)
    with pytest.raises(IndexError, match="out of bounds"):
        x[3] = 1.0
    with pytest.raises(IndexError, match="out of bounds"):
        x[ag.tensor([0, 5])] = 1.0
    assert x.tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------------- gather family


def test_gather_against_torch(backend) -> None:
    pytest.importorskip("torch")
    idx = np.array([[0, 0, 2], [1, 2, 2], [3, 0, 1]])
    compare_with_torch(lambda x: x.gather(1, lib_of(x).tensor(idx)), [X34])
    compare_with_torch(lambda x: x.gather(0, lib_of(x).tensor(idx[:2] % 3)), [X34])


def test_scatter_and_scatter_add_against_torch(backend) -> None:
    pytest.importorskip("torch")
    idx = np.array([[0, 0, 2], [1, 2, 2]])

    def scatter_add(x, src):
        return x.scatter_add(1, lib_of(x).tensor(idx), src)

    src = RNG.standard_normal((2, 3))
    # scatter with unique positions per row only: with duplicates the winner is unspecified
    unique = np.array([[0, 1, 3], [2, 0, 1]])
    compare_with_torch(lambda x, s: x.scatter(1, lib_of(x).tensor(unique), s), [X34[:2], src])
    compare_with_torch(scatter_add, [X34[:2], src], rtol=1e-12)
    ours = ag.zeros(2, 4).scatter_add(1, ag.tensor(idx), ag.ones(2, 3))
    assert ours.tolist() == [[2.0, 0.0, 1.0, 0.0], [0.0, 1.0, 2.0, 0.0]]
    assert ag.zeros(2, 4).scatter(1, ag.tensor(unique), value=5.0).tolist() == [
        [5.0, 5.0, 0.0, 5.0],
        [5.0, 5.0, 5.0, 0.0],
    ]


def test_index_select_take_along_dim_index_add_against_torch(backend) -> None:
    pytest.importorskip("torch")
    compare_with_torch(lambda x: x.index_select(1, lib_of(x).tensor([3, 0, 3])), [X34])
    compare_with_torch(lambda x: x.index_select(-1, lib_of(x).tensor([1])), [X234])
    along = np.array([[0], [3], [1]])
    compare_with_torch(lambda x: lib_of(x).take_along_dim(x, lib_of(x).tensor(along), 1), [X34])
    compare_with_torch(lambda x: lib_of(x).take_along_dim(x, lib_of(x).tensor([0, 11, 11])), [X34])
    compare_with_torch(
        lambda x, s: x.index_add(0, lib_of(x).tensor([2, 0, 2]), s), [X34, RNG.standard_normal((3, 4))], rtol=1e-12
    )


def test_masked_fill_against_torch(backend) -> None:
    pytest.importorskip("torch")
    mask = X34 > 0.3
    compare_with_torch(lambda x: x.masked_fill(lib_of(x).tensor(mask), -1.5), [X34])
    compare_with_torch(lambda x: x.masked_fill(lib_of(x).tensor(mask[0]), 0.0), [X34])  # broadcast mask
    with pytest.raises(RuntimeError, match="bool"):
        ag.zeros(2).masked_fill(ag.tensor([1, 0]), 1.0)


def test_masked_select(backend) -> None:
    x = ag.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    sel = x.masked_select(x.detach() > 0)
    assert sel.tolist() == [1.0, 4.0]
    sel.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_gather_errors(backend) -> None:
    x = ag.zeros(3, 4)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.gather(1, ag.tensor([0, 1]))
    # PyTorch raises RuntimeError for these (index_select: IndexError along dim 0 only)
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.gather(1, ag.tensor([[4]]))
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_select(0, ag.tensor([3]))
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.index_select(1, ag.tensor([4]))
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.scatter_add(0, ag.tensor([[5]]), ag.ones(1, 1))


def test_nonzero(backend) -> None:
    x = ag.tensor([[0, 1, 0], [2, 0, 3]])
    nz = ag.nonzero(x)
    assert nz.dtype is ag.int64 and nz.tolist() == [[0, 1], [1, 0], [1, 2]]
    rows, cols = x.nonzero(as_tuple=True)
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 2]
    assert ag.nonzero(ag.zeros(3)).shape == (0, 1)
    assert ag.argwhere(ag.tensor([0.0, 5.0])).tolist() == [[1]]


def test_one_hot(backend) -> None:
    torch = pytest.importorskip("torch")
    labels = [[0, 2], [1, 1]]
    ours = one_hot(ag.tensor(labels), 4)
    assert ours.dtype is ag.int64
    assert ours.tolist() == torch.nn.functional.one_hot(torch.tensor(labels), 4).tolist()
    assert one_hot(ag.tensor([0, 2])).shape == (2, 3)  # classes inferred from the largest
    with pytest.raises(RuntimeError, match="out of range"):
        one_hot(ag.tensor([0, 4]), 4)
    with pytest.raises(RuntimeError, match="non-negative"):
        one_hot(ag.tensor([-1]), 4)
    with pytest.raises(RuntimeError, match="integer"):
        one_hot(ag.tensor([0.0]), 4)
