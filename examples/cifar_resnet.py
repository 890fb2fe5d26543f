"""A narrow ResNet-18 on CIFAR-10-shaped data: FakeData by default, or a local CIFAR-10.

    python examples/cifar_resnet.py [--epochs 3] [--width 16] [--data-root DIR [--download]]
                                    [--backend jax] [--compile] [--out-dir DIR]

The model is torchvision's ResNet-18 (``arraygrad.vision.models.resnet18``) with ``width`` channels
in its first stage instead of 64 (then 2x, 4x, 8x), so an epoch takes seconds on a CPU. Training
uses torchvision's CIFAR augmentation -- ``RandomCrop(32, padding=4)`` and
``RandomHorizontalFlip()`` -- then ``ToTensor`` and ``Normalize``, SGD with momentum and a cosine
learning-rate schedule. Prints the train loss, train accuracy and test accuracy of each epoch,
with a tqdm progress bar on stderr.

Without ``--data-root`` the data are ``FakeData`` (random images with random labels): the network
can only memorise them, so the test accuracy stays near chance (10 %) -- the program shows the
pipeline, not a result. With ``--data-root`` pointing at a folder that holds
``cifar-10-batches-py`` (as torchvision fills it; ``--download`` fetches it), the same program
trains on CIFAR-10.

Writes into ``--out-dir``: ``cifar_resnet_grid.png`` (one augmented training batch, tiled with
``make_grid`` and written with ``save_image``), ``cifar_resnet_loss.png`` and
``cifar_resnet.safetensors`` (whose keys are torchvision's resnet18 keys).
"""

from __future__ import annotations

import argparse
import time

from _common import evaluate, parse_args, progress, save_checkpoint, save_loss_curve

import arraygrad as ag
from arraygrad.vision import datasets, models
from arraygrad.vision import transforms as T  # noqa: N812 - torchvision's usual alias
from arraygrad.vision.utils import save_image

# the per-channel mean and standard deviation of the CIFAR-10 training images
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--width", type=int, default=16,
                        help="channels of the first ResNet stage (torchvision's resnet18: 64; default: 16)")
    parser.add_argument("--data-root", default=None,
                        help="a folder with cifar-10-batches-py (default: FakeData instead of CIFAR-10)")
    parser.add_argument("--download", action="store_true", help="download CIFAR-10 into --data-root if missing")
    parser.add_argument("--train-size", type=int, default=1024, help="FakeData training images (default: 1024)")
    parser.add_argument("--test-size", type=int, default=256, help="FakeData test images (default: 256)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05, help="initial SGD learning rate (default: 0.05)")


def make_datasets(args: argparse.Namespace) -> tuple[ag.data.Dataset, ag.data.Dataset]:
    """(train, test) datasets with torchvision's CIFAR augmentation on the training side."""
    normalize = T.Normalize(CIFAR_MEAN, CIFAR_STD)
    train_transform = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), normalize])
    test_transform = T.Compose([T.ToTensor(), normalize])
    if args.data_root is None:
        train = datasets.FakeData(size=args.train_size, image_size=(3, 32, 32), num_classes=10,
                                  transform=train_transform)
        test = datasets.FakeData(size=args.test_size, image_size=(3, 32, 32), num_classes=10, transform=test_transform,
                                 random_offset=args.train_size)  # other images than the training ones
        return train, test
    train = datasets.CIFAR10(args.data_root, train=True, transform=train_transform, download=args.download)
    test = datasets.CIFAR10(args.data_root, train=False, transform=test_transform, download=args.download)
    return train, test


def save_batch_grid(images: ag.Tensor, path: object) -> None:
    """Undo ``Normalize`` and write the batch as one tiled PNG."""
    mean = ag.tensor(CIFAR_MEAN).reshape(1, 3, 1, 1)
    std = ag.tensor(CIFAR_STD).reshape(1, 3, 1, 1)
    save_image(images * std + mean, path, nrow=8, padding=2)  # save_image clamps to [0, 1]
    print(f"saved a grid of {images.shape[0]} training images to {path}")


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], epochs=3, add_arguments=add_arguments)
    start = time.perf_counter()
    try:
        train_set, test_set = make_datasets(args)
    except RuntimeError as exc:  # no CIFAR-10 under --data-root: the dataset's message says what to place there
        raise SystemExit(f"cifar_resnet: {exc}") from None
    train_loader = ag.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True)
    test_loader = ag.data.DataLoader(test_set, batch_size=256)
    print(f"data: {'CIFAR-10 in ' + args.data_root if args.data_root else 'FakeData'}, "
          f"{len(train_set)} training and {len(test_set)} test images")

    model = models.resnet18(num_classes=10, width=args.width)
    print(f"ResNet-18, width {args.width}: {sum(p.numel() for p in model.parameters()):,} parameters")
    loss_fn = ag.nn.CrossEntropyLoss()
    optimizer = ag.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    scheduler = ag.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    def train_step(X: ag.Tensor, y: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor]:  # noqa: N803 - PyTorch's names
        logits = model(X)
        loss = loss_fn(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss, (logits.argmax(1) == y).sum()

    if args.compile:
        train_step = ag.compile(train_step)

    steps = len(train_loader) if args.steps is None else min(args.steps, len(train_loader))
    losses: list[float] = []
    test_accuracy = 0.0
    for epoch in range(args.epochs):
        model.train()
        correct = seen = 0
        for step, (X, y) in enumerate(progress(train_loader, total=steps, desc=f"epoch {epoch + 1}")):
            if step == steps:
                break
            if epoch == 0 and step == 0:
                save_batch_grid(X[:32], args.out_dir / "cifar_resnet_grid.png")
            loss, hits = train_step(X, y)
            losses.append(loss.item())
            correct += int(hits.item())
            seen += int(y.shape[0])
        scheduler.step()
        test_accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch + 1:2d}  train loss {losses[-1]:.4f}  train accuracy {100 * correct / seen:.1f}%"
              f"  test accuracy {100 * test_accuracy:.1f}%  ({time.perf_counter() - start:.0f} s)")
    print(f"final test accuracy: {100 * test_accuracy:.1f}%  ({time.perf_counter() - start:.1f} s)")

    save_loss_curve(losses, args.out_dir / "cifar_resnet_loss.png", f"ResNet-18 (width {args.width})")
    save_checkpoint(model, args.out_dir / "cifar_resnet.safetensors")


if __name__ == "__main__":
    main()
