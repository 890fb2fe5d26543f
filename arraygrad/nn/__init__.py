"""arraygrad.nn (grows in later work)."""
