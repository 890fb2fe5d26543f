"""arraygrad.data (grows in later work)."""
