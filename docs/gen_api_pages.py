"""Write the API reference pages under docs/api/ from each namespace's ``__all__``.

Run ``python docs/gen_api_pages.py`` after adding a public name; ``tests/test_docs_site.py`` checks
that the pages list every public name. Each page groups a namespace's names by the module that defines
them (one concept per module) and renders them with mkdocstrings' ``:::`` directive.
"""

from __future__ import annotations
import __future__

import importlib
import inspect
from pathlib import Path

API = Path(__file__).resolve().parent / "api"

# (page file, namespace, title, intro)
PAGES: list[tuple[str, str, str, str]] = [
    ("arraygrad.md", "arraygrad", "arraygrad", "The top-level namespace, `import arraygrad as ag` for `import torch`: "
     "tensor creation, math, reductions, shape ops, random numbers, dtypes, devices, grad mode, saving and loading."),
    ("tensor.md", "arraygrad.Tensor", "Tensor", "`ag.Tensor`, the n-dimensional array with autograd; its methods "
     "mirror `torch.Tensor`'s."),
    ("nn.md", "arraygrad.nn", "arraygrad.nn", "Layers, containers, losses and `Module`, as `torch.nn`."),
    ("nn_functional.md", "arraygrad.nn.functional", "arraygrad.nn.functional",
     "Stateless functions behind the layers (convolution, pooling, activations, losses), as `torch.nn.functional`."),
    ("nn_init.md", "arraygrad.nn.init", "arraygrad.nn.init", "In-place weight initialisers, as `torch.nn.init`."),
    ("nn_utils.md", "arraygrad.nn.utils", "arraygrad.nn.utils",
     "Gradient clipping and parameter/vector conversion, as `torch.nn.utils`."),
    ("nn_parallel.md", "arraygrad.nn.parallel", "arraygrad.nn.parallel",
     "Data-parallel training over MPI, as `torch.nn.parallel`."),
    ("optim.md", "arraygrad.optim", "arraygrad.optim", "Optimizers, as `torch.optim`."),
    ("lr_scheduler.md", "arraygrad.optim.lr_scheduler", "arraygrad.optim.lr_scheduler",
     "Learning-rate schedulers, as `torch.optim.lr_scheduler`."),
    ("data.md", "arraygrad.data", "arraygrad.data",
     "Datasets, samplers and the `DataLoader`, as `torch.utils.data` (also importable as `arraygrad.utils.data`)."),
    ("autograd.md", "arraygrad.autograd", "arraygrad.autograd",
     "Gradients, custom functions, anomaly detection and gradient checks, as `torch.autograd`."),
    ("amp.md", "arraygrad.amp", "arraygrad.amp", "Mixed precision: `autocast` and `GradScaler`, as `torch.amp`."),
    ("distributed.md", "arraygrad.distributed", "arraygrad.distributed",
     "Process groups and collectives on MPI, as `torch.distributed`."),
    ("lightning.md", "arraygrad.lightning", "arraygrad.lightning",
     "`import arraygrad.lightning as pl` for `import pytorch_lightning as pl`."),
    ("vision_datasets.md", "arraygrad.vision.datasets", "arraygrad.vision.datasets", "torchvision's datasets."),
    ("vision_models.md", "arraygrad.vision.models", "arraygrad.vision.models",
     "torchvision's models with identical `state_dict` keys."),
    ("vision_transforms.md", "arraygrad.vision.transforms", "arraygrad.vision.transforms", "torchvision's transforms."),
    ("vision_utils.md", "arraygrad.vision.utils", "arraygrad.vision.utils", "torchvision's image utilities."),
    ("tensorboard.md", "arraygrad.utils.tensorboard", "arraygrad.utils.tensorboard",
     "`SummaryWriter`, as `torch.utils.tensorboard`."),
    ("backends.md", "arraygrad.backends", "arraygrad.backends",
     "The backend registry: which array libraries are available and how tensors map onto them."),
]


def public_names(namespace: str) -> list[str]:
    """The public names of ``namespace``: its ``__all__``, else the names not starting with ``_``."""
    obj = _resolve(namespace)
    if inspect.isclass(obj):
        return sorted(n for n, v in vars(obj).items() if not n.startswith("_") and (callable(v) or isinstance(v, property)))
    names = getattr(obj, "__all__", None)
    if names is None:
        names = [n for n, v in vars(obj).items() if not n.startswith("_") and _defined_here(v, namespace)]
    return list(names)


def _defined_here(value: object, namespace: str) -> bool:
    if inspect.ismodule(value) or isinstance(value, (bool, __future__._Feature)):
        return False
    if inspect.isclass(value) or inspect.isfunction(value):
        return (value.__module__ or "").startswith(namespace)
    return True


def _resolve(path: str) -> object:
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(path)


def _group(obj: object, namespace: str) -> str:
    module = getattr(inspect.unwrap(obj), "__module__", None) or namespace  # a wrapper's module is where it is found
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj)):
        return "Constants and objects"
    *_, parent, leaf = ("." + module).split(".")
    title = leaf.lstrip("_").replace("_", " ")
    # a module of a split concept (``core.ops.binary``, ``nn.modules.loss.margin``) is titled with
    # the concept too, unless the page is that concept's own (``optim.lr_scheduler``)
    if parent not in _LAYERS and parent not in (leaf, namespace.rsplit(".", 1)[-1]):
        return f"{parent.lstrip('_').replace('_', ' ').capitalize()}: {title}"
    return title.capitalize()


#: packages whose submodules are concepts of their own, not parts of one
_LAYERS = {"", "arraygrad", "core", "nn", "modules", "functional", "backends", "lightning", "vision", "transforms",
           "optim", "distributed", "utils", "data", "amp", "autograd", "parallel", "datasets", "models", "callbacks"}


def page(namespace: str, title: str, intro: str) -> str:
    """The Markdown text of one API page."""
    ns = _resolve(namespace)
    lines = [f"# {title}", "", intro, ""]
    if inspect.isclass(ns):
        lines += [f"::: {namespace}", "    options:", "      show_root_heading: true", "      members: false", "",
                  "## Methods and properties", "",
                  "Every public method and property, with the first line of its docstring "
                  "(`help(ag.Tensor.name)` shows the whole text).", "",
                  "| name | what it does |", "|---|---|"]
        for name in public_names(namespace):
            doc = inspect.getdoc(getattr(ns, name)) or ""
            first = doc.strip().split("\n\n")[0].replace("\n", " ").replace("|", "\\|")
            lines.append(f"| `{namespace}.{name}` | {first} |")
        lines.append("")
        return "\n".join(lines)
    groups: dict[str, list[str]] = {}
    for name in public_names(namespace):
        groups.setdefault(_group(getattr(ns, name), namespace), []).append(name)
    for group in sorted(groups, key=lambda g: (g == "Constants and objects", g)):
        lines += [f"## {group[:1].upper()}{group[1:]}", ""]
        if group == "Constants and objects":
            lines += ["| name | value |", "|---|---|"]
            lines += [f"| `{namespace}.{n}` | `{_short_repr(getattr(ns, n))}` |" for n in groups[group]]
            lines.append("")
            continue
        for name in groups[group]:
            lines += [f"::: {namespace}.{name}", ""]
    return "\n".join(lines)


def _short_repr(value: object) -> str:
    if inspect.ismodule(value):
        return f"module {value.__name__}"
    text = repr(value)
    if " at 0x" in text or " from '" in text:
        text = f"{type(value).__module__}.{type(value).__qualname__} object"
    text = text.replace("|", "\\|").replace("`", "'").replace("\n", " ")
    return text if len(text) <= 80 else text[:77] + "..."


def main() -> None:
    """Write every page of ``PAGES`` into ``docs/api/``."""
    API.mkdir(exist_ok=True)
    for filename, namespace, title, intro in PAGES:
        (API / filename).write_text(page(namespace, title, intro), encoding="utf-8")


if __name__ == "__main__":
    main()
