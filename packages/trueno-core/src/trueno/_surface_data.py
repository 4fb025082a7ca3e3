"""NumPy-surface functions (issue 5), re-exported by ``trueno/__init__.py``."""

from __future__ import annotations

from . import _indexing_ext as _ix
from . import _manipulation_ext as _mx
from ._indexing_ext import *  # noqa: F403
from ._manipulation_ext import *  # noqa: F403

__all__: list[str] = [*_ix.__all__, *_mx.__all__]
