"""A small training script as a user writes it, checked with ``mypy --strict`` by tests/test_typing.py:
Tensor methods and operators, an nn.Module subclass, an optimizer, a scheduler and a DataLoader."""

from __future__ import annotations

import arraygrad as torch
from arraygrad import Tensor, nn
from arraygrad.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, n_in: int, n_hidden: int, n_out: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: Tensor) -> Tensor:
        h: Tensor = self.drop(self.fc1(x).relu())
        out: Tensor = self.fc2(h)
        return out


def accuracy(logits: Tensor, y: Tensor) -> float:
    correct = (logits.argmax(dim=1) == y).float().mean()
    return float(correct.item())


def main() -> None:
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    w = torch.randn(4, 1)
    y = ((x @ w).squeeze(1) > 0).long()
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    model = MLP(4, 16, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()
    for _epoch in range(2):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss: Tensor = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        logits: Tensor = model(x)
    z = (x.reshape(8, 8).t().contiguous().view(-1) * 2 + 1).abs().sqrt().sum(dim=0, keepdim=True)
    print(f"accuracy {accuracy(logits, y):.2f}", z.shape, x.mean(0).std().item())


if __name__ == "__main__":
    main()
