"""NumPy-surface functions (issue 5), re-exported by ``trueno/__init__.py``.

Each module lists what it exports; ``round`` here replaces the Array API ``round`` with the
same function plus NumPy's ``decimals``.
"""

from __future__ import annotations

from . import _indexing_ext as _ix
from . import _manipulation_ext as _mx
from . import _setops as _so
from . import _statistics as _st
from ._indexing_ext import *  # noqa: F403
from ._manipulation_ext import *  # noqa: F403
from ._setops import *  # noqa: F403
from ._statistics import *  # noqa: F403

__all__: list[str] = [*_ix.__all__, *_mx.__all__, *_so.__all__, *_st.__all__]
