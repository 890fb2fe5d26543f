"""arraygrad.optim (grows in later work)."""
