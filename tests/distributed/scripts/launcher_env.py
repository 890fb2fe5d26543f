"""Started by ``python -m arraygrad.distributed.run``: torchrun's variables are set and agree with MPI."""

from __future__ import annotations

import os
import sys

import arraygrad.distributed as dist

dist.init_process_group()  # validates $RANK and $WORLD_SIZE against MPI
assert os.environ["RANK"] == str(dist.get_rank()) and os.environ["WORLD_SIZE"] == str(dist.get_world_size())
assert os.environ["LOCAL_RANK"] == os.environ["RANK"] and __name__ == "__main__"
print(f"rank {dist.get_rank()} of {dist.get_world_size()} args {sys.argv[1:]}", flush=True)
