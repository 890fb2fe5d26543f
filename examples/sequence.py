"""An LSTM that predicts the next value of noisy sine waves.

    python examples/sequence.py [--epochs 8] [--backend jax] [--out-dir DIR]

Each sample is 20 steps of sin(f * t + phase) + noise with a random frequency and phase; the model
(LSTM with 32 hidden units, then Linear(32, 1)) reads the window and predicts the value at every
next step. Prints the training loss falling and the test loss against a "repeat the last value"
baseline. Writes ``sequence_loss.png`` and ``sequence.safetensors`` into ``--out-dir``.
"""

from __future__ import annotations

import numpy as np
from _common import parse_args, progress, save_checkpoint, save_loss_curve

import arraygrad as ag
from arraygrad import nn
from arraygrad.data import DataLoader, TensorDataset

SEQ_LEN = 20


def make_waves(n: int, rng: np.random.Generator, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``n`` noisy sine windows of SEQ_LEN + 1 steps, as inputs (n, SEQ_LEN, 1) and the same
    windows shifted by one step as targets (the clean next value)."""
    t = np.arange(SEQ_LEN + 1, dtype=np.float32) * 0.3
    freq = rng.uniform(0.5, 1.5, size=(n, 1)).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1)).astype(np.float32)
    clean = np.sin(freq * t + phase)
    noisy = clean + noise * rng.standard_normal(clean.shape).astype(np.float32)
    return noisy[:, :-1, None], clean[:, 1:, None]


class NextValue(nn.Module):
    def __init__(self, hidden_size: int = 32) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        out, _ = self.lstm(x)  # (batch, seq, hidden)
        return self.head(out)  # a prediction after every step


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=8)
    rng = np.random.default_rng(args.seed)
    x_train, y_train = make_waves(1024, rng)
    x_test, y_test = make_waves(256, rng)
    loader = DataLoader(TensorDataset(ag.tensor(x_train), ag.tensor(y_train)), batch_size=32, shuffle=True)
    xt, yt = ag.tensor(x_test), ag.tensor(y_test)

    model = NextValue(hidden_size=32)
    print(model)
    loss_fn = nn.MSELoss()
    optimizer = ag.optim.Adam(model.parameters(), lr=0.01)
    baseline = float(np.mean((x_test - y_test) ** 2))  # predict "same as the last noisy value"
    print(f"repeat-last-value baseline test MSE: {baseline:.4f}")

    losses: list[float] = []
    steps = len(loader) if args.steps is None else min(args.steps, len(loader))
    test_loss = float("nan")
    for epoch in range(args.epochs):
        model.train()
        for step, (X, y) in enumerate(progress(loader, total=steps, desc=f"epoch {epoch + 1}")):
            if step == steps:
                break
            loss = loss_fn(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # the usual guard for recurrent nets
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with ag.no_grad():
            test_loss = loss_fn(model(xt), yt).item()
        print(f"epoch {epoch + 1:2d}  train MSE {np.mean(losses[-steps:]):.4f}  test MSE {test_loss:.4f}")
    print(f"final test MSE: {test_loss:.4f}  (baseline {baseline:.4f})")

    save_loss_curve(losses, args.out_dir / "sequence_loss.png", "LSTM next-value prediction (MSE)")
    save_checkpoint(model, args.out_dir / "sequence.safetensors")


if __name__ == "__main__":
    main()
