"""Each test leaves the environment as it found it: ``seed_everything`` sets ``PL_GLOBAL_SEED`` and
``PL_SEED_WORKERS``, and the logs of a fit go to the working directory unless a test says otherwise."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _restore_lightning_environment(monkeypatch, tmp_path):
    for name in ("PL_GLOBAL_SEED", "PL_SEED_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # a Trainer without default_root_dir writes lightning_logs/ here
    yield
