"""``arraygrad.utils.data``: ``arraygrad.data`` under PyTorch's path ``torch.utils.data``.

    from arraygrad.utils.data import DataLoader, TensorDataset, random_split
    from arraygrad.utils.data.dataloader import default_collate
    from arraygrad.utils.data.distributed import DistributedSampler

The submodules (``dataloader``, ``dataset``, ``sampler``, ``distributed``, ``_utils``...) are the very
module objects of ``arraygrad.data`` registered under these names as well, so every class and
function exists once and ``isinstance`` checks agree whichever path imported it. PyTorch's
deprecated DataPipes (``IterDataPipe``, ``MapDataPipe``, ``datapipes``...) are not provided.
"""

import sys

from arraygrad.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    WorkerInfo,
    _utils,
    collate,
    dataloader,
    dataset,
    default_collate,
    default_collate_fn_map,
    default_convert,
    distributed,
    get_worker_info,
    random_split,
    sampler,
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
]

# every loaded module of arraygrad.data (and its _utils) also answers to the PyTorch path
for _name, _module in list(sys.modules.items()):
    if _name.startswith("arraygrad.data."):
        sys.modules["arraygrad.utils.data." + _name[len("arraygrad.data."):]] = _module
