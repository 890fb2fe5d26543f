"""``arraygrad.utils``: the paths of ``torch.utils`` that training scripts import (``utils.data``)."""

from arraygrad.utils import data
