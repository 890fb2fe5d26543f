"""Start a training script on N processes, one per rank: a thin wrapper around ``mpiexec``.

    python -m arraygrad.distributed.run --nproc 4 train.py --epochs 3

runs ``mpiexec -n 4 python -m arraygrad.distributed.run --worker train.py --epochs 3``: each process
sets torchrun's environment variables (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``)
from the MPI launcher's, so scripts written for ``torchrun`` (which read ``$RANK`` to decide whether
to call ``init_process_group``) work unchanged, and then runs the script as ``__main__``.

``mpiexec`` is looked up next to the Python interpreter first (where the ``mpich`` wheel installs
it), then on ``PATH``; ``--mpiexec PATH`` names another, and arguments after ``--mpi-args`` up to
``--`` go to mpiexec itself (e.g. ``-f hostfile`` to run across machines).
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

# rank variables set by MPI launchers: MPICH's Hydra (PMI_*, MPI_LOCAL*), Open MPI (OMPI_COMM_WORLD_*),
# Slurm's srun (SLURM_*)
_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID")
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS")
_LOCAL_RANK_VARS = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID")
_LOCAL_SIZE_VARS = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE")


def find_mpiexec() -> str:
    """The path of ``mpiexec``: beside this Python (the mpich wheel's), else on PATH.

    Raises:
        RuntimeError: no mpiexec was found (the message says how to install one).
    """
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise RuntimeError(
            "arraygrad.distributed.run: no mpiexec found (looked beside the Python interpreter and on PATH); "
            "install MPI with: pip install 'arraygrad[mpi]'  (mpi4py and the mpich wheel)"
        )
    return found


def _first(names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in os.environ:
            return os.environ[name]
    return None


def set_torchrun_environment() -> None:
    """Set ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and ``LOCAL_WORLD_SIZE`` from the MPI launcher's
    variables (where the launcher set them and they are not set already)."""
    rank, size = _first(_RANK_VARS), _first(_SIZE_VARS)
    if rank is None or size is None:
        return
    local_rank = _first(_LOCAL_RANK_VARS) or rank
    local_size = _first(_LOCAL_SIZE_VARS) or size
    for name, value in (("RANK", rank), ("WORLD_SIZE", size), ("LOCAL_RANK", local_rank),
                        ("LOCAL_WORLD_SIZE", local_size)):
        os.environ.setdefault(name, value)


def _run_worker(script: str, args: list[str]) -> None:
    set_torchrun_environment()
    sys.argv = [script, *args]
    sys.path.insert(0, str(Path(script).resolve().parent))
    runpy.run_path(script, run_name="__main__")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and start mpiexec (or, with ``--worker``, run the script in this process)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        if len(argv) < 2:
            raise SystemExit("arraygrad.distributed.run --worker: no script given")
        _run_worker(argv[1], argv[2:])
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m arraygrad.distributed.run",
        description="Run a training script on N processes with mpiexec (one per rank).")
    parser.add_argument("--nproc", "--nproc-per-node", "--nproc_per_node", dest="nproc", type=int, default=1,
                        help="number of processes (ranks) to start (default 1)")
    parser.add_argument("--mpiexec", default=None, help="the mpiexec to use (default: beside python, then PATH)")
    parser.add_argument("--mpi-args", default="", help="extra arguments for mpiexec, e.g. '-f hostfile'")
    parser.add_argument("script", help="the training script")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    opts = parser.parse_args(argv)
    if opts.nproc < 1:
        parser.error(f"--nproc must be at least 1, got {opts.nproc}")
    try:
        mpiexec = opts.mpiexec or find_mpiexec()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    command = [mpiexec, "-n", str(opts.nproc), *opts.mpi_args.split(), sys.executable, "-m",
               "arraygrad.distributed.run", "--worker", opts.script, *opts.script_args]
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
