"""NumPy-surface functions (issue 5), re-exported by ``trueno/__init__.py``.

Each module lists what it exports; ``round`` here replaces the Array API ``round`` with the
same function plus NumPy's ``decimals``.
"""

from __future__ import annotations

from . import _gather_scatter as _ix
from . import _rearrange as _mx
from . import _numpy_utilities as _nm
from . import _setops as _so
from . import _statistics as _st
from . import _numpy_elementwise as _uf
from ._gather_scatter import *  # noqa: F403
from ._rearrange import *  # noqa: F403
from ._numpy_utilities import *  # noqa: F403
from ._setops import *  # noqa: F403
from ._statistics import *  # noqa: F403
from ._numpy_elementwise import *  # noqa: F403

__all__: list[str] = [*_ix.__all__, *_mx.__all__, *_so.__all__, *_st.__all__,
                         *_uf.__all__, *_nm.__all__]
