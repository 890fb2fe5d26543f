"""default_collate / default_convert against torch.utils.data on the same samples."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import collate, default_collate, default_collate_fn_map, default_convert
from tests.data._compare import assert_same_batch

Point = collections.namedtuple("Point", ["x", "label"])


class Record(collections.abc.MutableMapping):
    """A mapping type that is not a dict (collate must keep its type)."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, k: str) -> Any:
        return self._data[k]

    def __setitem__(self, k: str, v: Any) -> None:
        self._data[k] = v

    def __delitem__(self, k: str) -> None:
        del self._data[k]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


SAMPLES = {
    "python floats": [1.5, 2.0, -3.25],
    "python ints": [1, 2, 3],
    "bools": [True, False, True],
    "strings": ["a", "bc", "d"],
    "bytes": [b"a", b"b", b"c"],
    "numpy float32 arrays": [np.arange(6, dtype=np.float32).reshape(2, 3) + i for i in range(3)],
    "numpy int64 arrays": [np.array([i, i + 1]) for i in range(3)],
    "numpy uint8 arrays": [np.full((2, 2), i, dtype=np.uint8) for i in range(3)],
    "numpy bool arrays": [np.array([True, i % 2 == 0]) for i in range(3)],
    "numpy 0-d arrays": [np.array(1.5), np.array(2.5), np.array(3.5)],
    "numpy scalars": [np.float32(1.5), np.float32(2.0), np.float32(3.0)],
    "numpy int scalars": [np.int32(1), np.int32(2), np.int32(3)],
    "numpy float64 scalars": [np.float64(1.5), np.float64(2.5), np.float64(0.5)],
    "numpy strings": [np.str_("a"), np.str_("b"), np.str_("c")],
    "tuples": [(np.array([1.0, 2.0]), 3, "x"), (np.array([3.0, 4.0]), 4, "y"), (np.array([5.0, 6.0]), 5, "z")],
    "lists": [[1, 2.0], [3, 4.0], [5, 6.0]],
    "dicts": [{"img": np.ones((2, 2), np.float32) * i, "y": i, "meta": {"name": str(i), "w": 0.5 * i}}
              for i in range(3)],
    "ordered dicts": [collections.OrderedDict([("b", i), ("a", [i, i])]) for i in range(3)],
    "namedtuples": [Point(np.array([i, i], dtype=np.float64), i) for i in range(3)],
    "nested lists of tuples": [[(i, float(i))] for i in range(3)],
}


def _to_torch(sample: Any, torch: Any) -> Any:
    """The same sample with arraygrad tensors replaced by torch tensors."""
    if isinstance(sample, ag.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return type(sample)((k, _to_torch(v, torch)) for k, v in sample.items())
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(_to_torch(v, torch) for v in sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(_to_torch(v, torch) for v in sample)
    return sample


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_default_collate_matches_torch(torch: Any, kind: str) -> None:
    batch = SAMPLES[kind]
    assert_same_batch(default_collate(batch), torch.utils.data.default_collate(batch))


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_default_convert_matches_torch(torch: Any, kind: str) -> None:
    for sample in SAMPLES[kind]:
        assert_same_batch(default_convert(sample), torch.utils.data.default_convert(sample))


def test_tensors_are_stacked_on_their_backend(backend: str, torch: Any) -> None:
    samples = [(ag.tensor([[1.0, 2.0]]) * i, ag.tensor(i)) for i in range(4)]
    ours = default_collate(samples)
    assert_same_batch(ours, torch.utils.data.default_collate(_to_torch(samples, torch)))
    assert all(t.backend.name == backend for t in ours)


def test_host_data_lands_on_the_current_default_backend(backend: str) -> None:
    batch = default_collate([{"x": np.ones(3, np.float32), "y": 1, "z": 0.5}] * 2)
    assert {t.backend.name for t in batch.values()} == {backend}
    assert default_convert(np.zeros(2)).backend.name == backend


def test_collate_keeps_custom_mapping_type(torch: Any) -> None:
    def samples() -> list[Record]:  # fresh: a shallow copy of this Record shares its storage
        return [Record({"a": i, "b": np.array([i, i])}) for i in range(3)]

    ours = default_collate(samples())
    assert isinstance(ours, Record)
    assert ours["a"].tolist() == [0, 1, 2] and ours["b"].tolist() == [[0, 0], [1, 1], [2, 2]]
    assert isinstance(torch.utils.data.default_collate(samples()), Record)


@pytest.mark.parametrize(
    "batch",
    [[object(), object()], [np.array(["a", "b"]), np.array(["c", "d"])], [np.array([{}], dtype=object)] * 2, [None]],
    ids=["objects", "string arrays", "object arrays", "None"],
)
def test_uncollatable_batches_raise_like_torch(torch: Any, batch: list[Any]) -> None:
    with pytest.raises(TypeError) as theirs:
        torch.utils.data.default_collate(batch)
    with pytest.raises(TypeError) as ours:
        default_collate(batch)
    assert str(ours.value) == str(theirs.value)


def test_ragged_sequences_raise_like_torch(torch: Any) -> None:
    batch = [[1, 2], [3]]
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        torch.utils.data.default_collate(batch)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate(batch)


def test_tensors_of_different_shapes_do_not_stack() -> None:
    with pytest.raises((RuntimeError, ValueError)):
        default_collate([ag.zeros(2), ag.zeros(3)])


def test_collate_with_an_extended_function_map() -> None:
    class Box:
        def __init__(self, v: int) -> None:
            self.v = v

    def collate_box(batch: list[Box], *, collate_fn_map: Any = None) -> list[int]:
        return [b.v for b in batch]

    fn_map = {**default_collate_fn_map, Box: collate_box}
    out = collate([(Box(1), 1.0), (Box(2), 2.0)], collate_fn_map=fn_map)
    assert out[0] == [1, 2] and out[1].dtype == ag.float64
    with pytest.raises(TypeError):
        default_collate([Box(1)])


def test_jax_arrays_in_samples_are_collated(backend: str) -> None:
    jnp = pytest.importorskip("jax.numpy")
    out = default_collate([jnp.asarray([1.0, 2.0]), jnp.asarray([3.0, 4.0])])
    assert out.tolist() == [[1.0, 2.0], [3.0, 4.0]] and out.backend.name == backend
