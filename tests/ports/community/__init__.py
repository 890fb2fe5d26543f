"""Community PyTorch programs (karpathy, tkipf, eriklindernoren, yunjey) run on arraygrad."""
