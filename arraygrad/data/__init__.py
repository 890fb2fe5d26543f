"""arraygrad.data: datasets, samplers and the DataLoader, as ``torch.utils.data``.

    from arraygrad.data import DataLoader, TensorDataset
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, num_workers=2)
    for xb, yb in loader:
        ...

Shuffling draws from arraygrad's seeded Generator, so ``ag.manual_seed(0)`` (or
``generator=ag.Generator().manual_seed(0)``) gives the same order on every backend.
``arraygrad.data.transforms`` holds torchvision-style image transforms.
"""

from arraygrad.data import transforms
from arraygrad.data._utils.collate import collate, default_collate, default_collate_fn_map, default_convert
from arraygrad.data._utils.worker import WorkerInfo, get_worker_info
from arraygrad.data.dataloader import DataLoader
from arraygrad.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from arraygrad.data.distributed import DistributedSampler
from arraygrad.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "collate",
    "default_collate",
    "default_collate_fn_map",
    "default_convert",
    "get_worker_info",
    "random_split",
    "transforms",
]
