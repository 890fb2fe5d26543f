"""A rank that fails while the others wait in a collective. ``raise``: rank 1 raises; ``kill``: rank 1 is
killed by SIGKILL. The job must end (not hang) with the error printed. Extra arguments are ignored
(the test passes a marker to find leftover processes)."""

from __future__ import annotations

import os
import signal
import sys
import time

import arraygrad as ag
import arraygrad.distributed as dist


def main() -> None:
    mode = sys.argv[1]
    dist.init_process_group()
    dist.barrier()
    if dist.get_rank() == 1:
        time.sleep(0.5)  # let the other ranks enter the all_reduce
        if mode == "raise":
            raise ValueError("boom on rank 1")
        os.kill(os.getpid(), signal.SIGKILL)
    dist.all_reduce(ag.ones(3))  # waits for rank 1, which never comes
    print("rank 0 passed the all_reduce", flush=True)


if __name__ == "__main__":
    main()
