"""Tensor, autograd and differentiable ops, written only against the array API standard."""
