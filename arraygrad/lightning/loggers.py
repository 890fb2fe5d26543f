"""Loggers: ``CSVLogger`` (``metrics.csv`` + ``hparams.yaml``, the default), ``TensorBoardLogger``
(needs ``tensorboardX``), and ``plot_metrics``, which draws a ``metrics.csv`` to a PNG."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Logger", "CSVLogger", "TensorBoardLogger", "plot_metrics", "write_yaml", "read_metrics_csv"]


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
        return repr(value)
    text = str(value)
    plain = text and all(c.isalnum() or c in "_-./ " for c in text) and not text[0].isdigit() and text.strip() == text \
        and text.lower() not in ("null", "true", "false", "yes", "no", "on", "off", "~")
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _yaml_lines(obj: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if isinstance(v, (Mapping, list, tuple)) and v:
                lines.append(f"{pad}{_yaml_scalar(k)}:")
                lines.extend(_yaml_lines(v, indent + 2))
            elif isinstance(v, (Mapping, list, tuple)):
                lines.append(f"{pad}{_yaml_scalar(k)}: {'{}' if isinstance(v, Mapping) else '[]'}")
            else:
                lines.append(f"{pad}{_yaml_scalar(k)}: {_yaml_scalar(v)}")
    else:
        for v in obj:
            if isinstance(v, (Mapping, list, tuple)) and v:
                lines.append(f"{pad}-")
                lines.extend(_yaml_lines(v, indent + 2))
            else:
                lines.append(f"{pad}- {_yaml_scalar(v)}")
    return lines


def write_yaml(path: str | os.PathLike[str], data: Mapping[str, Any]) -> None:
    """Write ``data`` (nested dicts, lists and plain values; other objects by their ``str``) as YAML,
    keys sorted as ``yaml.dump`` sorts them."""
    Path(path).write_text("\n".join(_yaml_lines(dict(sorted(data.items())), 0)) + "\n", encoding="utf-8")


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (int, float)):
        try:
            return value.item()
        except (TypeError, ValueError, RuntimeError):
            return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class Logger:
    """The logger interface the Trainer uses: ``log_metrics(metrics, step)``, ``log_hyperparams(params)``,
    ``save()``, ``finalize(status)``, and ``name`` / ``version`` / ``log_dir`` / ``save_dir``."""

    @property
    def name(self) -> str | None:
        return None

    @property
    def version(self) -> int | str | None:
        return None

    @property
    def root_dir(self) -> str | None:
        return None

    @property
    def log_dir(self) -> str | None:
        return None

    @property
    def save_dir(self) -> str | None:
        return None

    @property
    def experiment(self) -> Any:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        raise NotImplementedError

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        pass

    def finalize(self, status: str) -> None:
        self.save()

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass


def _next_version(root: str) -> int:
    if not os.path.isdir(root):
        return 0
    versions = []
    for entry in os.listdir(root):
        if entry.startswith("version_") and os.path.isdir(os.path.join(root, entry)):
            suffix = entry[len("version_"):].split(".")[0]
            if suffix.isdigit():
                versions.append(int(suffix))
    return max(versions) + 1 if versions else 0


class CSVLogger(Logger):
    """Write metrics to ``<save_dir>/<name>/version_<N>/metrics.csv`` (one row per logged step, columns
    sorted by name, ``epoch`` and ``step`` included) and hyperparameters to ``hparams.yaml`` beside it.

    Args:
        save_dir: the root folder.
        name: the experiment's folder (``"lightning_logs"``; ``""`` or ``None`` for none).
        version: an int (``version_<N>``), a string (used as the folder name) or ``None`` (the next free N).
        prefix: prepended (with ``-``) to every metric name.
        flush_logs_every_n_steps: how often rows are written to disk.
    """

    LOGGER_JOIN_CHAR = "-"
    NAME_METRICS_FILE = "metrics.csv"
    NAME_HPARAMS_FILE = "hparams.yaml"

    def __init__(self, save_dir: str | os.PathLike[str], name: str | None = "lightning_logs",
                 version: int | str | None = None, prefix: str = "", flush_logs_every_n_steps: int = 100) -> None:
        self._save_dir = os.fspath(save_dir)
        self._name = name or ""
        self._version = version
        self._prefix = prefix
        self._flush_every = flush_logs_every_n_steps
        self._rows: list[dict[str, Any]] = []
        self._keys: list[str] = []
        self.hparams: dict[str, Any] = {}
        self._file_ready = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        if self._version is None:
            self._version = _next_version(self.root_dir)
        return self._version

    @property
    def root_dir(self) -> str:
        return os.path.join(self._save_dir, self._name)

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def log_dir(self) -> str:
        version = self.version
        folder = version if isinstance(version, str) else f"version_{version}"
        return os.path.join(self.root_dir, folder)

    @property
    def experiment(self) -> CSVLogger:
        return self

    @property
    def metrics_file_path(self) -> str:
        return os.path.join(self.log_dir, self.NAME_METRICS_FILE)

    def log_hyperparams(self, params: Any = None, *args: Any, **kwargs: Any) -> None:
        """Merge ``params`` (a dict or ``argparse.Namespace``) into the hyperparameters and write ``hparams.yaml``."""
        if params is None:
            return
        if not isinstance(params, Mapping):
            params = vars(params)
        self.hparams.update({str(k): _plain(v) for k, v in params.items()})
        os.makedirs(self.log_dir, exist_ok=True)
        write_yaml(os.path.join(self.log_dir, self.NAME_HPARAMS_FILE), self.hparams)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Queue one row (``step`` defaults to the row's index); rows go to disk every
        ``flush_logs_every_n_steps`` rows and on ``save()``."""
        row = {(f"{self._prefix}{self.LOGGER_JOIN_CHAR}{k}" if self._prefix else k): _plain(v) for k, v in metrics.items()}
        row["step"] = len(self._rows) if step is None else int(step)
        self._rows.append(row)
        if len(self._rows) % self._flush_every == 0:
            self.save()

    def save(self) -> None:
        """Write the queued rows (rewriting the file with a wider header when new columns appeared)."""
        if not self._rows:
            return
        os.makedirs(self.log_dir, exist_ok=True)
        new = {k for row in self._rows for k in row} - set(self._keys)
        path = self.metrics_file_path
        exists = os.path.isfile(path) and self._file_ready
        if new:
            self._keys = sorted(set(self._keys) | new)
        if new and exists:
            with open(path, newline="") as f:
                old = list(csv.DictReader(f))
            with open(path, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=self._keys)
                writer.writeheader()
                writer.writerows(old)
        with open(path, "a" if exists else "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self._keys)
            if not exists:
                writer.writeheader()
            writer.writerows(self._rows)
        self._file_ready = True
        self._rows = []

    def finalize(self, status: str) -> None:
        self.save()


class TensorBoardLogger(Logger):
    """Write metrics and hyperparameters as TensorBoard event files in
    ``<save_dir>/<name>/version_<N>`` (with ``tensorboardX``), plus ``hparams.yaml``.

    Raises:
        ImportError: ``tensorboardX`` is not installed (``pip install tensorboardX``).
    """

    NAME_HPARAMS_FILE = "hparams.yaml"

    def __init__(self, save_dir: str | os.PathLike[str], name: str | None = "lightning_logs",
                 version: int | str | None = None, log_graph: bool = False, default_hp_metric: bool = True,
                 prefix: str = "", sub_dir: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        try:
            import tensorboardX  # noqa: F401
        except ImportError as exc:
            raise ImportError("TensorBoardLogger needs tensorboardX, which is not installed: run "
                              "`pip install tensorboardX` (or use CSVLogger)") from exc
        self._save_dir = os.fspath(save_dir)
        self._name = name or ""
        self._version = version
        self._prefix = prefix
        self._sub_dir = os.fspath(sub_dir) if sub_dir is not None else None
        self._default_hp_metric = default_hp_metric
        self._kwargs = kwargs
        self._experiment: Any = None
        self.hparams: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        if self._version is None:
            self._version = _next_version(self.root_dir)
        return self._version

    @property
    def root_dir(self) -> str:
        return os.path.join(self._save_dir, self._name)

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def log_dir(self) -> str:
        version = self.version
        path = os.path.join(self.root_dir, version if isinstance(version, str) else f"version_{version}")
        return os.path.join(path, self._sub_dir) if self._sub_dir else path

    @property
    def experiment(self) -> Any:
        """The ``tensorboardX.SummaryWriter``."""
        if self._experiment is None:
            from tensorboardX import SummaryWriter

            os.makedirs(self.log_dir, exist_ok=True)
            self._experiment = SummaryWriter(logdir=self.log_dir, **self._kwargs)
        return self._experiment

    def log_hyperparams(self, params: Any = None, metrics: dict[str, float] | None = None, *args: Any, **kwargs: Any) -> None:
        """Record hyperparameters (``hparams.yaml`` and TensorBoard's hparams plugin)."""
        if params is None:
            return
        if not isinstance(params, Mapping):
            params = vars(params)
        self.hparams.update({str(k): _plain(v) for k, v in params.items()})
        os.makedirs(self.log_dir, exist_ok=True)
        write_yaml(os.path.join(self.log_dir, self.NAME_HPARAMS_FILE), self.hparams)
        flat = {k: (v if isinstance(v, (bool, int, float, str)) else str(v)) for k, v in self.hparams.items()}
        hp_metrics = metrics if metrics is not None else ({"hp_metric": -1.0} if self._default_hp_metric else {})
        if flat:
            self.experiment.add_hparams(flat, hp_metrics, name=".")

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for k, v in metrics.items():
            key = f"{self._prefix}-{k}" if self._prefix else k
            self.experiment.add_scalar(key, float(_plain(v)), step)

    def save(self) -> None:
        if self._experiment is not None:
            self._experiment.flush()

    def finalize(self, status: str) -> None:
        if self._experiment is not None:
            self._experiment.flush()
            self._experiment.close()
            self._experiment = None


def read_metrics_csv(path: str | os.PathLike[str]) -> list[dict[str, float]]:
    """The rows of a ``metrics.csv`` as dicts of floats (empty cells left out)."""
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def plot_metrics(metrics_csv: str | os.PathLike[str], path: str | os.PathLike[str] | None = None,
                 keys: Sequence[str] | None = None, title: str | None = None) -> Path:
    """Plot the metrics of a ``metrics.csv`` (as ``CSVLogger`` writes it) against ``step`` into a PNG:
    one panel for metrics whose name contains ``loss``, one for the others (accuracies...).

    Args:
        metrics_csv: the file (or a logger's ``log_dir`` holding it).
        path: the PNG (default: ``metrics.png`` beside the CSV).
        keys: the columns to draw (default: all but ``epoch`` and ``step``).
        title: the figure's title.

    Returns:
        The PNG's path.

    Raises:
        FileNotFoundError: no such CSV.
        ValueError: the CSV holds none of ``keys``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source = Path(metrics_csv)
    if source.is_dir():
        source = source / CSVLogger.NAME_METRICS_FILE
    rows = read_metrics_csv(source)
    columns = sorted({k for row in rows for k in row} - {"epoch", "step"}) if keys is None else list(keys)
    present = [k for k in columns if any(k in row for row in rows)]
    if not present:
        raise ValueError(f"plot_metrics(): {source} has none of the columns {columns}")
    losses = [k for k in present if "loss" in k]
    others = [k for k in present if "loss" not in k]
    panels = [p for p in (losses, others) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), dpi=100, squeeze=False)
    for ax, group in zip(axes[0], panels):
        for key in group:
            points = [(row["step"], row[key]) for row in rows if key in row and "step" in row]
            xs, ys = zip(*points)
            ax.plot(xs, ys, "-" if len(points) > 20 else "o-", label=key, linewidth=1, markersize=3)
        ax.set_xlabel("step")
        ax.set_ylabel("loss" if group is losses else "value")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    target = Path(path) if path is not None else source.with_name("metrics.png")
    fig.savefig(target)
    plt.close(fig)
    return target
