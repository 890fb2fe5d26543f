"""Published PyTorch programs (pytorch/examples, pytorch/tutorials) run on arraygrad."""
