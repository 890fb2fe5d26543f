"""``seed_everything``: one seed for arraygrad's generator, Python's ``random`` and ``PL_GLOBAL_SEED``."""

from __future__ import annotations

import os
import random
import sys

__all__ = ["seed_everything", "reset_seed"]

_MAX = 2**32 - 1


def seed_everything(seed: int | None = None, workers: bool = False, verbose: bool = True) -> int:
    """Seed arraygrad's generator (the same numbers on every backend), Python's ``random`` and, when
    the program imported it, numpy's global generator; store the seed in ``PL_GLOBAL_SEED`` (and ``PL_SEED_WORKERS``).

    Args:
        seed: the seed (default: ``PL_GLOBAL_SEED``, else 0).
        workers: accepted as Lightning's (DataLoader workers are seeded from arraygrad's generator already).
        verbose: log the seed.

    Returns:
        The seed used.

    Raises:
        ValueError: ``seed`` outside ``[0, 2**32 - 1]``.
    """
    import arraygrad as ag
    from arraygrad.lightning.utilities import rank_zero_info

    if seed is None:
        env = os.environ.get("PL_GLOBAL_SEED")
        seed = int(env) if env is not None and env.strip().lstrip("-").isdigit() else 0
    seed = int(seed)
    if not 0 <= seed <= _MAX:
        raise ValueError(f"seed_everything(): {seed} is not in the bounds [0, {_MAX}]")
    if verbose:
        rank_zero_info(f"Seed set to {seed}")
    os.environ["PL_GLOBAL_SEED"] = str(seed)
    os.environ["PL_SEED_WORKERS"] = str(int(workers))
    random.seed(seed)
    ag.manual_seed(seed)
    numpy = sys.modules.get("numpy")  # seeded when the program uses it; never imported from here
    if numpy is not None:
        numpy.random.seed(seed)
    return seed


def reset_seed() -> None:
    """Seed again with ``PL_GLOBAL_SEED`` if ``seed_everything`` set it."""
    env = os.environ.get("PL_GLOBAL_SEED")
    if env is not None:
        seed_everything(int(env), workers=bool(int(os.environ.get("PL_SEED_WORKERS", "0"))), verbose=False)
