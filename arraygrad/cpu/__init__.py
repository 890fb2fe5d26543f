"""``arraygrad.cpu``: what ``torch.cpu`` answers that programs use (``torch.cpu.amp``)."""

from arraygrad.cpu import amp


def is_available() -> bool:
    """Always True: there is always a CPU."""
    return True


def device_count() -> int:
    """The number of CPU devices: 1, as in PyTorch."""
    return 1


def synchronize(device: object = None) -> None:
    """Nothing to wait for on the CPU (the CPU backends run synchronously)."""


__all__ = ["amp", "device_count", "is_available", "synchronize"]
