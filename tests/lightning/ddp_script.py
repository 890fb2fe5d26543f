"""Run under ``mpiexec -n 2``: fit the regression with ``strategy="ddp"`` (batch 4 per process) and write
each rank's weights to ``<out>/rank<N>.json``; ``--single`` fits in one process with batch 8 instead.

    python ddp_script.py OUT_DIR [--single]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import arraygrad as ag  # noqa: E402
import arraygrad.lightning as pl  # noqa: E402
from arraygrad.data import DataLoader  # noqa: E402
from tests.lightning._models import Regressor, quiet, regression_data, weights  # noqa: E402

single = "--single" in sys.argv
ag.manual_seed(0)
model = Regressor(lr=0.1)
loader = DataLoader(regression_data(32), batch_size=8 if single else 4)
trainer = pl.Trainer(**quiet(max_epochs=2, logger=False, enable_checkpointing=False,
                             strategy="auto" if single else "ddp"))
trainer.fit(model, loader)
result = {"rank": trainer.global_rank, "world": trainer.world_size, "steps": trainer.global_step, "weights": weights(model)}
name = "single.json" if single else f"rank{trainer.global_rank}.json"
(Path(sys.argv[1]) / name).write_text(json.dumps(result))
