"""Run published community PyTorch programs, ported to arraygrad by changing their imports.

Each program runs in a subprocess, as a user would run it, once with ``ARRAYGRAD_BACKEND=numpy``
and once with ``ARRAYGRAD_BACKEND=jax``, on small generated data and with the program's own flags
(or, where the program has none, the hard-coded hyperparameters listed in its header) keeping the
run to a few seconds. Every test reads the losses the program prints and checks that they fall.
The data the programs would download is written into a temporary directory by the helpers below,
in the formats the programs (and ``arraygrad.vision.datasets``, for the torchvision programs) read, so
``download=True`` finds it in place; ``standins/`` holds a local stand-in for tensorboard.

jax compiles every operation on its first use, which costs a ported program about 30 s of CPU time
before its first step; so, as elsewhere in the suite, jax runs a sample of the ports by default
and all of them with ``ARRAYGRAD_PORTS_ALL_JAX=1``.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.ports.vision_data import assert_not_downloaded, write_mnist

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
TUTORIALS = HERE / "pytorch_tutorial" / "tutorials"
CHANCE_10_CLASSES = math.log(10.0)
# MNIST files of 400 training and 100 test images keep each torchvision program to seconds
MNIST_TRAIN, MNIST_TEST = 400, 100

# ports that still cannot run, by the arraygrad feature they are missing
MISSING: dict[str, str] = {}
# ports run on jax by default (the three cheapest to compile, 20-35 s each on a 2-core machine); the
# others take 30-70 s there, almost all of it compiling each op on first use, and need ARRAYGRAD_PORTS_ALL_JAX=1
JAX_SAMPLE = {"feedforward", "pygcn", "makemore"}
ALL_JAX = os.environ.get("ARRAYGRAD_PORTS_ALL_JAX") == "1"


def run_program(script: Path, args: list[str], cwd: Path, backend: str, *, pythonpath: tuple[Path, ...] = ()) -> str:
    """Run ``python script *args`` in ``cwd`` on ``backend``; return its stdout, failing on a non-zero exit."""
    if backend == "jax":
        pytest.importorskip("jax")
    # torchrun's variables would make nanoGPT start a multi-process run: each program runs alone
    launcher_vars = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in launcher_vars},
        "ARRAYGRAD_BACKEND": backend,
        "JAX_ENABLE_X64": "1",
        # the programs are small; one BLAS thread avoids oversubscribing a shared CI machine
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join(str(p) for p in (STANDINS, *pythonpath)),
    }
    result = subprocess.run([sys.executable, str(script), *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{script.name} failed on {backend}:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def floats(pattern: str, text: str) -> list[float]:
    """Every number captured by ``pattern``'s first group in ``text``."""
    return [float(m) for m in re.findall(pattern, text)]


def params(name: str) -> list:
    """The backends as pytest parameters for the port ``name``: xfail where it still cannot run,
    and jax skipped (with the reason) outside the default sample."""
    xfail = [pytest.mark.xfail(strict=True, reason=MISSING[name])] if name in MISSING else []
    skip_jax = [] if ALL_JAX or name in JAX_SAMPLE else [
        pytest.mark.skip(reason="jax compiles each op on first use (30-70 s per program here); set ARRAYGRAD_PORTS_ALL_JAX=1")]
    return [pytest.param("numpy", marks=xfail, id="numpy"), pytest.param("jax", marks=xfail + skip_jax, id="jax")]


# ---------------------------------------------------------------------------------------------------------------------
# small local data in the programs' own formats


def write_names(path: Path, count: int = 400) -> None:
    """A names.txt for makemore: one made-up name per line, built from a few syllables."""
    rng = np.random.default_rng(0)
    syllables = ["an", "el", "ma", "ri", "so", "ta", "li", "ne", "ka", "jo", "be", "th", "ra", "mi", "da"]
    names = {"".join(rng.choice(syllables, size=rng.integers(2, 4))) for _ in range(count)}
    path.write_text("\n".join(sorted(names)) + "\n")


def write_shakespeare_char(root: Path) -> None:
    """data/shakespeare_char/{train,val}.bin and meta.pkl, made as nanoGPT's prepare.py makes them."""
    lines = ["First Citizen:", "Before we proceed any further, hear me speak.", "All:", "Speak, speak.",
             "You are all resolved rather to die than to famish?", "Resolved. resolved."]
    data = "\n".join(lines[i % len(lines)] for i in range(300)) + "\n"
    chars = sorted(set(data))
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = dict(enumerate(chars))
    n = len(data)
    out = root / "data" / "shakespeare_char"
    out.mkdir(parents=True)
    np.array([stoi[c] for c in data[:int(n * 0.9)]], dtype=np.uint16).tofile(out / "train.bin")
    np.array([stoi[c] for c in data[int(n * 0.9):]], dtype=np.uint16).tofile(out / "val.bin")
    with open(out / "meta.pkl", "wb") as f:
        pickle.dump({"vocab_size": len(chars), "itos": itos, "stoi": stoi}, f)


def write_cora(root: Path, nodes: int = 1500, features: int = 32, classes: int = 7) -> None:
    """data/cora/cora.content and cora.cites in the Cora format pygcn reads.

    ``cora.content`` rows are ``<paper id> <binary features...> <class label>``, ``cora.cites``
    rows ``<cited id> <citing id>``. Features and citations depend on the class, so a GCN can learn it.
    """
    rng = np.random.default_rng(0)
    labels = rng.integers(0, classes, size=nodes)
    ids = rng.permutation(np.arange(10_000, 10_000 + 5 * nodes))[:nodes]
    prototypes = rng.random((classes, features)) < 0.3
    feats = prototypes[labels] ^ (rng.random((nodes, features)) < 0.05)
    out = root / "data" / "cora"
    out.mkdir(parents=True)
    with open(out / "cora.content", "w") as f:
        for i in range(nodes):
            f.write(f"{ids[i]}\t" + "\t".join(str(int(v)) for v in feats[i]) + f"\tclass_{labels[i]}\n")
    with open(out / "cora.cites", "w") as f:
        for i in range(nodes):
            same = np.flatnonzero(labels == labels[i])
            for j in rng.choice(same, size=2):
                if j != i:
                    f.write(f"{ids[j]}\t{ids[i]}\n")


def write_word_corpus(path: Path, tokens: int = 24_000) -> None:
    """A train.txt of sentences from a small grammar, standing in for Penn Treebank."""
    rng = np.random.default_rng(0)
    subjects, verbs, objects = ["the cat", "a dog", "the man", "my friend"], ["sees", "likes", "eats"], ["the fish", "a ball"]
    lines, count = [], 0
    while count < tokens:
        line = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}"
        lines.append(line)
        count += len(line.split()) + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------------------------
# the ports


@pytest.mark.parametrize("backend", params("makemore"))
def test_makemore(backend: str, tmp_path: Path) -> None:
    """karpathy/makemore: the transformer on a names file, 21 steps."""
    write_names(tmp_path / "names.txt")
    out = run_program(HERE / "makemore" / "makemore.py",
                      ["-i", "names.txt", "-o", "out", "--max-steps", "21", "--num-workers", "0",
                       "--n-layer", "2", "--n-embd", "32", "--n-embd2", "32", "--batch-size", "16"],
                      tmp_path, backend)
    losses = floats(r"step \d+ \| loss ([\d.]+)", out)
    assert len(losses) == 3 and losses[-1] < losses[0], out


@pytest.mark.parametrize("backend", params("mingpt"))
def test_mingpt_adder(backend: str, tmp_path: Path) -> None:
    """karpathy/minGPT projects/adder: gpt-nano learning 1-digit addition for 41 iterations."""
    mingpt = HERE / "mingpt"
    out = run_program(mingpt / "projects" / "adder" / "adder.py",
                      ["--data.ndigit=1", "--trainer.max_iters=41", "--trainer.num_workers=0", "--system.work_dir=out"],
                      tmp_path, backend, pythonpath=(mingpt,))
    losses = floats(r"iter \d+: train loss ([\d.]+)", out)
    assert len(losses) == 5 and losses[-1] < losses[0], out
    assert "test final score" in out and (tmp_path / "out" / "model.pt").exists()


@pytest.mark.parametrize("backend", params("nanogpt"))
def test_nanogpt_shakespeare_char(backend: str, tmp_path: Path) -> None:
    """karpathy/nanoGPT train.py with config/train_shakespeare_char.py, shrunk by its configurator."""
    work = tmp_path / "nanogpt"
    shutil.copytree(HERE / "nanogpt", work, ignore=shutil.ignore_patterns("__pycache__"))
    write_shakespeare_char(work)
    out = run_program(work / "train.py",
                      ["config/train_shakespeare_char.py", "--device=cpu", "--compile=False", "--eval_iters=2",
                       "--log_interval=1", "--block_size=16", "--batch_size=8", "--n_layer=2", "--n_head=2",
                       "--n_embd=32", "--max_iters=20", "--lr_decay_iters=20", "--warmup_iters=2",
                       "--eval_interval=10", "--dropout=0.0"],
                      work, backend)
    evals = floats(r"step \d+: train loss ([\d.]+)", out)
    assert len(evals) == 3 and evals[-1] < evals[0], out
    assert (work / "out-shakespeare-char" / "ckpt.pt").exists()


@pytest.mark.parametrize("backend", params("pygcn"))
def test_pygcn(backend: str, tmp_path: Path) -> None:
    """tkipf/pygcn train.py on a generated Cora-format graph, 20 epochs."""
    pytest.importorskip("scipy")
    write_cora(tmp_path)
    (tmp_path / "pygcn").mkdir()
    out = run_program(HERE / "pygcn" / "pygcn" / "train.py", ["--epochs", "20"], tmp_path / "pygcn", backend,
                      pythonpath=(HERE / "pygcn",))
    losses = floats(r"loss_train: ([\d.]+)", out)
    assert len(losses) == 20 and losses[-1] < losses[0], out
    assert "Test set results" in out


@pytest.mark.parametrize("backend", params("pytorch_gan"))
def test_pytorch_gan(backend: str, tmp_path: Path) -> None:
    """eriklindernoren/PyTorch-GAN implementations/gan: one epoch on local MNIST files; the discriminator loss falls."""
    work = tmp_path / "implementations" / "gan"
    work.mkdir(parents=True)
    raw = write_mnist(tmp_path / "data" / "mnist", MNIST_TRAIN, MNIST_TEST)  # the program's "../../data/mnist"
    out = run_program(HERE / "pytorch_gan" / "implementations" / "gan" / "gan.py",
                      ["--n_epochs", "1", "--batch_size", "32", "--sample_interval", "10"], work, backend)
    assert_not_downloaded(raw)
    d_losses = floats(r"\[D loss: ([\d.]+)\]", out)
    assert len(d_losses) == 13 and d_losses[-1] < d_losses[0], out
    assert (work / "images" / "10.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("backend", params("feedforward"))
def test_tutorial_feedforward(backend: str, tmp_path: Path) -> None:
    """yunjey/pytorch-tutorial 01-basics/feedforward_neural_network on local MNIST files."""
    work = tmp_path / "tutorials" / "01-basics" / "feedforward_neural_network"
    work.mkdir(parents=True)
    raw = write_mnist(tmp_path / "tutorials" / "data", MNIST_TRAIN, MNIST_TEST)  # the program's "../../data"
    out = run_program(TUTORIALS / "01-basics" / "feedforward_neural_network" / "main.py", [], work, backend)
    assert_not_downloaded(raw)
    losses = floats(r"Loss: ([\d.]+)", out)
    accuracy = floats(r"test images: ([\d.]+) %", out)
    # the untrained network's loss is ln(10); one epoch must bring it well below that
    assert losses and losses[-1] < CHANCE_10_CLASSES / 2 and accuracy[0] > 50, out
    assert (work / "model.ckpt").exists()


@pytest.mark.parametrize("backend", params("cnn"))
def test_tutorial_cnn(backend: str, tmp_path: Path) -> None:
    """yunjey/pytorch-tutorial 02-intermediate/convolutional_neural_network on local MNIST files."""
    work = tmp_path / "tutorials" / "02-intermediate" / "convolutional_neural_network"
    work.mkdir(parents=True)
    raw = write_mnist(tmp_path / "tutorials" / "data", MNIST_TRAIN, MNIST_TEST)  # the program's "../../data/"
    out = run_program(TUTORIALS / "02-intermediate" / "convolutional_neural_network" / "main.py", [], work, backend)
    assert_not_downloaded(raw)
    losses = floats(r"Loss: ([\d.]+)", out)
    accuracy = floats(r"test images: ([\d.]+) %", out)
    assert losses and losses[-1] < CHANCE_10_CLASSES / 2 and accuracy[0] > 50, out
    assert (work / "model.ckpt").exists()


@pytest.mark.parametrize("backend", params("language_model"))
def test_tutorial_language_model(backend: str, tmp_path: Path) -> None:
    """yunjey/pytorch-tutorial 02-intermediate/language_model (LSTM) on a generated corpus."""
    write_word_corpus(tmp_path / "data" / "train.txt")
    script = TUTORIALS / "02-intermediate" / "language_model" / "main.py"
    out = run_program(script, [], tmp_path, backend)
    losses = floats(r"Loss: ([\d.]+)", out)
    assert len(losses) >= 2 and losses[-1] < losses[0], out
    assert (tmp_path / "sample.txt").read_text().split()
