"""Helpers shared by the examples: command-line arguments, the digits data set, a progress bar,
the loss-curve plot and the checkpoint.

Not part of arraygrad; each example imports it as ``from _common import ...`` (Python puts the
script's folder on ``sys.path``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

import arraygrad as ag

DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "output"


def parse_args(description: str, *, epochs: int, steps: int | None = None,
               add_arguments: Callable[[argparse.ArgumentParser], object] | None = None,
               argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the options every example takes and switch to the chosen backend.

    Args:
        description: shown by ``--help`` (an example passes the first line of its docstring).
        epochs: the default of ``--epochs``.
        steps: the default of ``--steps``, the most optimizer steps per epoch (``None``: all batches).
        add_arguments: called with the parser to add an example's own options.
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The namespace with ``backend``, ``epochs``, ``steps``, ``out_dir`` (a ``Path``, created) and ``seed``.

    Raises:
        SystemExit: bad arguments (argparse's message), or an unknown/unavailable backend.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--backend", default=os.environ.get("ARRAYGRAD_BACKEND"),
                        help="numpy, strict, jax or cupy (default: ARRAYGRAD_BACKEND, else numpy)")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"passes over the training data (default: {epochs})")
    steps_default = "all batches" if steps is None else str(steps)
    parser.add_argument("--steps", type=int, default=steps,
                        help=f"at most this many optimizer steps per epoch (default: {steps_default})")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR,
                        help="where the loss curve and the checkpoint go (default: examples/output)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compile", action="store_true",
                        help="run each training step through ag.compile (one compiled program on jax; eager elsewhere)")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    if args.backend:
        try:
            ag.set_default_backend(args.backend)
        except (ValueError, ag.backends.BackendUnavailableError) as exc:
            parser.error(str(exc))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.out_dir == DEFAULT_OUT_DIR:
        # keep generated files out of git without touching the repository's .gitignore
        (args.out_dir / ".gitignore").write_text("*\n")
    ag.manual_seed(args.seed)
    np.random.seed(args.seed)
    print(f"backend: {ag.get_default_backend()}")
    return args


def load_digits_split(size: int = 8, seed: int = 0, test_fraction: float = 0.25,
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """sklearn's 8x8 digits (1,797 images), scaled to [0, 1] and split with a fixed seed.

    Args:
        size: image side; 8 keeps the originals, a multiple of 8 (16, 32) repeats each pixel
            (``np.kron``) to upscale.
        seed: the split's random state, so every run and backend sees the same split.
        test_fraction: the share of images held out for testing.

    Returns:
        ``(x_train, x_test, y_train, y_test)``: float32 images of shape ``(n, 1, size, size)``
        and int64 labels.

    Raises:
        ValueError: ``size`` is not a positive multiple of 8.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if size <= 0 or size % 8:
        raise ValueError(f"size must be a positive multiple of 8, got {size}")
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]  # (n, 1, 8, 8), pixel values 0..16
    if size != 8:
        images = np.kron(images, np.ones((1, 1, size // 8, size // 8), dtype=np.float32))
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(images, labels, test_size=test_fraction,
                                                        random_state=seed, stratify=labels)
    return x_train, x_test, y_train, y_test


def progress(iterable: Iterable[Any], total: int | None = None, desc: str = "") -> tqdm:
    """A tqdm progress bar (on stderr, so stdout keeps only the metrics)."""
    return tqdm(iterable, total=total, desc=desc, leave=False, dynamic_ncols=True)


def save_loss_curve(losses: Sequence[float], path: Path, title: str, *, xlabel: str = "step",
                    extra: dict[str, Sequence[float]] | None = None) -> Path:
    """Plot ``losses`` (and any ``extra`` named curves) against their index and write a PNG.

    Returns:
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(np.arange(1, len(losses) + 1), losses, label="training loss", linewidth=1)
    for name, values in (extra or {}).items():
        # a curve with fewer points (one per epoch) is drawn at the end of each epoch, with markers
        x = np.arange(1, len(values) + 1) * (len(losses) / len(values))
        ax.plot(x, values, "-" if len(values) == len(losses) else "o-", label=name, linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"saved loss curve to {path}")
    return path


def save_checkpoint(model: ag.nn.Module, path: Path) -> Path:
    """Write ``model.state_dict()`` to ``path`` with ``ag.save`` (a safetensors file)."""
    ag.save(model.state_dict(), path)
    print(f"saved checkpoint to {path}")
    return path


def evaluate(model: ag.nn.Module, loader: ag.data.DataLoader) -> float:
    """Fraction of correctly classified samples of ``loader`` (eval mode, no graph)."""
    model.eval()
    correct = 0
    with ag.no_grad():
        for X, y in loader:
            correct += (model(X).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


def train_digits_classifier(model: ag.nn.Module, args: argparse.Namespace, *, size: int, lr: float = 2e-3,
                            batch_size: int = 32) -> tuple[list[float], float]:
    """Train ``model`` with Adam and cross-entropy on the digits upscaled to ``size`` x ``size``,
    printing the test accuracy after each epoch. Returns (per-step training losses, final accuracy)."""
    import time

    start = time.perf_counter()
    x_train, x_test, y_train, y_test = load_digits_split(size=size, seed=args.seed)
    DataLoader, TensorDataset = ag.data.DataLoader, ag.data.TensorDataset  # noqa: N806 - class aliases
    train_loader = DataLoader(TensorDataset(ag.tensor(x_train), ag.tensor(y_train)), batch_size=batch_size,
                              shuffle=True)
    test_loader = DataLoader(TensorDataset(ag.tensor(x_test), ag.tensor(y_test)), batch_size=256)
    loss_fn = ag.nn.CrossEntropyLoss()
    optimizer = ag.optim.Adam(model.parameters(), lr=lr)
    losses: list[float] = []
    accuracy = 0.0
    steps = len(train_loader) if args.steps is None else min(args.steps, len(train_loader))

    def train_step(X: ag.Tensor, y: ag.Tensor) -> ag.Tensor:  # noqa: N803 - PyTorch's names
        loss = loss_fn(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    if args.compile:
        train_step = ag.compile(train_step)
    for epoch in range(args.epochs):
        model.train()
        for step, (X, y) in enumerate(progress(train_loader, total=steps, desc=f"epoch {epoch + 1}")):
            if step == steps:
                break
            losses.append(train_step(X, y).item())
        accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch + 1:2d}  train loss {losses[-1]:.4f}  test accuracy {100 * accuracy:.1f}%"
              f"  ({time.perf_counter() - start:.0f} s)")
    print(f"final test accuracy: {100 * accuracy:.1f}%  ({time.perf_counter() - start:.1f} s)")
    return losses, accuracy

