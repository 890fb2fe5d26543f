"""Published PyTorch programs ported to arraygrad by changing their imports."""
