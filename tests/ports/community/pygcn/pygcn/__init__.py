# ruff: noqa  (published program text, kept as published)
# Ported to arraygrad from tkipf/pygcn, pygcn/__init__.py, commit 3af13e96e846cc4831c04cf31b433700658de8d0
# License: MIT, Copyright (c) 2017 Thomas Kipf
# Changes beyond imports: none.
from __future__ import print_function
from __future__ import division

from .layers import *
from .models import *
from .utils import *
