"""Sparse COO tensors against PyTorch: construction, coalesce (duplicates summed, indices
sorted), dense/sparse round trips, sparse x dense products with both gradients, ``sparse.sum``,
a two-layer graph convolutional network (pygcn's layer: ``spmm(adj, x @ W)``) forward and
backward, and the errors of dense ops on sparse tensors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from tests.helpers import BACKENDS, backend_cases, to_np

torch = pytest.importorskip("torch")
# jax runs the products and the network (it compiles every new op/shape); the index bookkeeping
# is backend-independent code that strict proves standard-only
pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks", "ignore:torch.sparse.SparseTensor",
                                         "ignore:Converting a tensor with requires_grad"),
              pytest.mark.backends("numpy", "strict")]
ALL = pytest.mark.backends("numpy", "strict", "jax", "cupy")

# duplicates (0, 2) twice and (1, 1) three times, unsorted
INDICES = np.array([[1, 0, 1, 2, 0, 1, 2], [1, 2, 1, 0, 2, 1, 3]])
VALUES = np.array([1.5, -2.0, 0.25, 3.0, 4.0, -1.0, 0.5])
SIZE = (3, 4)


def both(indices: Any = INDICES, values: Any = VALUES, size: Any = SIZE, **kw: Any) -> tuple[Any, Any]:
    ours = ag.sparse_coo_tensor(ag.tensor(indices), ag.tensor(values, dtype=ag.float64), size, **kw)
    theirs = torch.sparse_coo_tensor(torch.tensor(indices), torch.tensor(values, dtype=torch.float64), size, **kw)
    return ours, theirs


def assert_same_sparse(ours: Any, theirs: Any) -> None:
    assert ours.is_sparse and ours.layout is ag.sparse_coo
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours._nnz() == theirs._nnz()
    assert ours.is_coalesced() == theirs.is_coalesced()
    np.testing.assert_array_equal(to_np(ours._indices()), theirs._indices().numpy())
    np.testing.assert_allclose(to_np(ours._values()), theirs._values().detach().numpy(), rtol=1e-12)


# ---------------------------------------------------------------------- construction


@ALL
def test_construction_matches_torch(backend):
    ours, theirs = both()
    assert_same_sparse(ours, theirs)
    assert isinstance(ours, ag.Tensor) and ours.dtype is ag.float64 and ours.backend.name == backend
    assert ours.size() == ag.Size(SIZE) and ours.size(1) == 4 and ours.dim() == 2 and len(ours) == 3
    assert ours.sparse_dim() == 2 and ours.dense_dim() == 0 and ours.numel() == 12
    dense = ag.ones(2)
    assert dense.layout is ag.strided and not dense.is_sparse


def test_construction_inferred_size_hybrid_and_legacy(backend):
    ours = ag.sparse_coo_tensor([[0, 2], [1, 0]], [1.0, 2.0])
    theirs = torch.sparse_coo_tensor([[0, 2], [1, 0]], [1.0, 2.0])
    assert_same_sparse(ours, theirs)
    assert ours.dtype is ag.float32
    hybrid = ag.sparse_coo_tensor([[0, 1]], ag.ones(2, 3), (4, 3))
    assert hybrid.sparse_dim() == 1 and hybrid.dense_dim() == 1 and tuple(hybrid.shape) == (4, 3)
    np.testing.assert_array_equal(to_np(hybrid.to_dense()), [[1, 1, 1], [1, 1, 1], [0, 0, 0], [0, 0, 0]])
    legacy = ag.sparse.FloatTensor(ag.tensor(INDICES), ag.tensor(VALUES, dtype=ag.float32), ag.Size(SIZE))
    tlegacy = torch.sparse.FloatTensor(torch.tensor(INDICES), torch.tensor(VALUES, dtype=torch.float32),
                                       torch.Size(SIZE))
    assert_same_sparse(legacy, tlegacy)
    assert ag.sparse_coo_tensor([[0]], [1.0], (2,)).is_coalesced()  # one element: coalesced, as in torch
    assert ag.sparse_coo_tensor(ag.zeros(2, 0, dtype=ag.int64), ag.zeros(0), (2, 2))._nnz() == 0


@pytest.mark.parametrize("indices,values,size,match", [
    ([[0, 1]], [1.0, 2.0, 3.0], (3,), "same nnz"),
    ([0, 1], [1.0, 2.0], (3,), "sparse_dim x nnz"),
    ([[0, 1], [1, 0]], [1.0, 2.0], (2,), "len\\(size\\) == sparse_dim \\+ dense_dim"),
    ([[0, 3]], [1.0, 2.0], (3,), "for dim 0, size is 3 but found index 3"),
    ([[0, -1]], [1.0, 2.0], (3,), "negative index"),
    ([[0.0, 1.0]], [1.0, 2.0], (3,), "int64"),
])
def test_construction_errors(backend, indices, values, size, match):
    with pytest.raises(RuntimeError, match=match):
        ag.sparse_coo_tensor(indices, values, size)


# ---------------------------------------------------------------------- coalesce and conversions


def test_coalesce_matches_torch(backend):
    ours, theirs = both()
    assert not ours.is_coalesced()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        ours.indices()
    c, tc = ours.coalesce(), theirs.coalesce()
    assert_same_sparse(c, tc)
    assert c.is_coalesced() and c.coalesce() is c
    np.testing.assert_array_equal(to_np(c.indices()), tc.indices().numpy())
    assert_same_sparse(c.t(), tc.t())  # a transpose is not coalesced any more


def test_coalesce_random_matches_torch(backend):
    rng = np.random.default_rng(3)
    indices = rng.integers(0, 5, size=(3, 40))
    values = rng.standard_normal((40, 2))
    ours, theirs = both(indices, values, (5, 5, 5, 2))
    assert_same_sparse(ours.coalesce(), theirs.coalesce())
    np.testing.assert_allclose(to_np(ours.to_dense()), theirs.to_dense().numpy(), rtol=1e-12)


def test_to_dense_round_trip(backend):
    ours, theirs = both()
    dense = ours.to_dense()
    assert not dense.is_sparse
    np.testing.assert_allclose(to_np(dense), theirs.to_dense().numpy(), rtol=1e-12)
    back, tback = dense.to_sparse(), theirs.to_dense().to_sparse()
    assert_same_sparse(back, tback)
    np.testing.assert_array_equal(to_np(back.to_dense()), to_np(dense))
    assert dense.to_dense() is dense


def test_to_sparse_hybrid_and_its_gradient(backend):
    x = np.array([[0.0, 0.0], [1.0, -2.0], [0.0, 3.0]])
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    s, ts = ours.to_sparse(1), theirs.to_sparse(1)
    assert_same_sparse(s, ts)
    (s.to_dense() * ag.tensor(x + 1)).sum().backward()
    (ts.to_dense() * torch.tensor(x + 1)).sum().backward()
    np.testing.assert_allclose(to_np(ours.grad), theirs.grad.numpy())


# ---------------------------------------------------------------------- products and gradients


PRODUCTS = {
    "sparse.mm": (lambda lib, s, d: lib.sparse.mm(s, d)),
    "spmm": (lambda lib, s, d: lib.spmm(s, d)),
    "mm": (lambda lib, s, d: lib.mm(s, d)),
    "matmul": (lambda lib, s, d: s @ d),
}


@pytest.mark.parametrize("backend,product", backend_cases(PRODUCTS, jax_every=4), indirect=["backend"])
def test_sparse_dense_product_and_both_gradients(backend, product):
    """Values that require grad: the values get the sampled gradient, the dense operand S^T G."""
    rng = np.random.default_rng(1)
    dense, weights = rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    fn = PRODUCTS[product]
    v, tv = ag.tensor(VALUES, requires_grad=True), torch.tensor(VALUES, requires_grad=True)
    d, td = ag.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    s = ag.sparse_coo_tensor(ag.tensor(INDICES), v, SIZE)
    ts = torch.sparse_coo_tensor(torch.tensor(INDICES), tv, SIZE)
    assert s.requires_grad and not s.is_leaf
    out, tout = fn(ag, s, d), fn(torch, ts, td)
    assert not out.is_sparse
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-12)
    (out * ag.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(to_np(v.grad), tv.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_np(d.grad), td.grad.numpy(), rtol=1e-12)


def test_sparse_leaf_gradient_and_dense_times_sparse(backend):
    rng = np.random.default_rng(2)
    dense = rng.standard_normal((4, 2))
    s, ts = both(requires_grad=True)
    assert s.is_leaf and s.requires_grad
    ag.sparse.mm(s, ag.tensor(dense)).sum().backward()
    torch.sparse.mm(ts, torch.tensor(dense)).sum().backward()
    assert s.grad.is_sparse and ts.grad.is_sparse
    np.testing.assert_allclose(to_np(s.grad.to_dense()), ts.grad.to_dense().numpy(), rtol=1e-12)
    # a dense matrix times a sparse one, and a sparse matrix times a vector
    left = rng.standard_normal((5, 3))
    np.testing.assert_allclose(to_np(ag.tensor(left) @ s.detach()), (torch.tensor(left) @ ts.detach()).numpy(),
                               rtol=1e-12)
    vec = rng.standard_normal(4)
    np.testing.assert_allclose(to_np(s.detach() @ ag.tensor(vec)), (ts.detach() @ torch.tensor(vec)).numpy(),
                               rtol=1e-12)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        ag.sparse.mm(s, ag.ones(3, 2, dtype=ag.float64))


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_sparse_sum_matches_torch(backend, dim):
    ours, theirs = both()
    got = ag.sparse.sum(ours) if dim is None else ag.sparse.sum(ours, dim)
    want = torch.sparse.sum(theirs) if dim is None else torch.sparse.sum(theirs, dim)
    assert got.is_sparse == want.is_sparse
    if want.is_sparse:
        assert_same_sparse(got, want)
    else:
        np.testing.assert_allclose(to_np(got), want.numpy(), rtol=1e-12)


def test_scalar_products_keep_sparsity(backend):
    ours, theirs = both()
    assert_same_sparse(ours * 2, theirs * 2)
    assert_same_sparse(3 * ours, 3 * theirs)
    assert_same_sparse(ours / 4, theirs / 4)
    assert_same_sparse(-ours, -theirs)


# ---------------------------------------------------------------------- a graph network


def normalized_adjacency(n: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pygcn's preprocessing: symmetric adjacency plus self loops, rows normalised; COO parts."""
    a = np.zeros((n, n))
    a[edges[:, 0], edges[:, 1]] = 1
    a = np.maximum(a, a.T) + np.eye(n)
    a = a / a.sum(1, keepdims=True)
    rows, cols = np.nonzero(a)
    return np.stack([rows, cols]), a[rows, cols]


def gcn(lib: Any, adj: Any, x: Any, params: list[Any]) -> Any:
    """Two graph convolutions (``spmm(adj, input @ W) + b``) with a ReLU between, log-softmax out."""
    w1, b1, w2, b2 = params
    h = lib.nn.functional.relu(lib.spmm(adj, lib.mm(x, w1)) + b1)
    return lib.nn.functional.log_softmax(lib.spmm(adj, lib.mm(h, w2)) + b2, dim=1)


@pytest.mark.parametrize("backend,dtype_name", [
    pytest.param(b, d, id=f"{b}-{d}") for b in BACKENDS for d in ("float64", "float32") if b != "jax" or d == "float64"
], indirect=["backend"])
def test_two_layer_gcn_matches_torch(backend, dtype_name):
    rng = np.random.default_rng(7)
    n, features, hidden, classes = 8, 5, 4, 3
    indices, values = normalized_adjacency(n, rng.integers(0, n, size=(12, 2)))
    x = rng.standard_normal((n, features))
    labels = rng.integers(0, classes, size=n)
    init = [rng.standard_normal((features, hidden)) * 0.5, rng.standard_normal(hidden) * 0.1,
            rng.standard_normal((hidden, classes)) * 0.5, rng.standard_normal(classes) * 0.1]
    dt, tdt = getattr(ag, dtype_name), getattr(torch, dtype_name)
    params = [ag.tensor(p, dtype=dt, requires_grad=True) for p in init]
    tparams = [torch.tensor(p, dtype=tdt, requires_grad=True) for p in init]
    adj = ag.sparse.FloatTensor(ag.tensor(indices), ag.tensor(values, dtype=dt), ag.Size((n, n)))
    tadj = torch.sparse.FloatTensor(torch.tensor(indices), torch.tensor(values, dtype=tdt), torch.Size((n, n)))
    out = gcn(ag, adj, ag.tensor(x, dtype=dt), params)
    tout = gcn(torch, tadj, torch.tensor(x, dtype=tdt), tparams)
    loss = ag.nn.functional.nll_loss(out, ag.tensor(labels))
    tloss = torch.nn.functional.nll_loss(tout, torch.tensor(labels))
    loss.backward()
    tloss.backward()
    rtol = 1e-10 if dtype_name == "float64" else 1e-4
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=rtol, atol=rtol)
    assert float(loss) == pytest.approx(float(tloss), rel=rtol)
    for p, tp in zip(params, tparams):
        assert p.grad.dtype is dt and p.grad.backend.name == backend
        np.testing.assert_allclose(to_np(p.grad), tp.grad.numpy(), rtol=rtol * 10, atol=rtol)


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize("name,fn", [
    ("exp", lambda s: ag.exp(s)),
    ("add", lambda s: s + 1),
    ("add", lambda s: ag.ones(3, 4) + s),
    ("view", lambda s: s.view(-1)),
    ("relu", lambda s: ag.nn.functional.relu(s)),
    ("getitem", lambda s: s[0]),
    ("cat", lambda s: ag.cat([s, s])),
    ("sigmoid", lambda s: ag.sigmoid(s)),
])
def test_dense_ops_on_sparse_raise_naming_the_op(backend, name, fn):
    s = ag.sparse_coo_tensor(INDICES, VALUES, SIZE)
    with pytest.raises(NotImplementedError, match=f"^{name}: not supported for tensors with layout "
                                                  "arraygrad.sparse_coo"):
        fn(s)


@pytest.mark.backends("numpy")
def test_sparse_cannot_become_numpy_and_both_sparse_mm_is_refused(backend):
    s = ag.sparse_coo_tensor(INDICES, VALUES, SIZE)
    with pytest.raises(TypeError, match="to_dense"):
        s.numpy()
    with pytest.raises(NotImplementedError, match="two arraygrad.sparse_coo tensors"):
        ag.sparse.mm(s.t(), s)


def test_conversions_copies_and_pickling(backend):
    import copy
    import pickle

    s = ag.sparse_coo_tensor(INDICES, VALUES, SIZE)
    dense = to_np(s.to_dense())
    d = s.double()
    assert d.dtype is ag.float64 and d._indices().dtype is ag.int64 and d.to(ag.float64) is d
    moved = s.to("numpy" if backend == "strict" else "strict")
    assert moved.backend.name == moved._indices().backend.name != backend
    np.testing.assert_array_equal(to_np(moved.to_dense()), dense)
    for other in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s), s.clone()):
        assert other.is_sparse and other._values() is not s._values()
        np.testing.assert_array_equal(to_np(other.to_dense()), dense)
