"""``arraygrad.nn``: layers, losses and the functional API (grows in later work)."""

from arraygrad.nn import functional

__all__ = ["functional"]
