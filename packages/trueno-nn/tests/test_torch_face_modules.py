"""The PyTorch face reaches nn and data as torch does: ``import trueno.torch.nn`` as a first
import, ``torch.utils.data``, and they are the same objects as ``trueno.nn`` / ``trueno.utils``."""

from __future__ import annotations

import subprocess
import sys


def _fresh(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.strip()


def test_import_torch_nn_first():
    out = _fresh("import trueno.torch.nn as nn; import trueno.torch.nn.functional as F; "
                 "import trueno.nn; print(nn is trueno.nn, F.relu is trueno.nn.functional.relu,"
                 " type(nn.Linear(2, 3)).__name__)")
    assert out == "True True Linear"


def test_torch_utils_data_is_trueno_utils_data():
    out = _fresh("import trueno.torch as torch; import trueno; "
                 "import trueno.torch.utils.data as D; "
                 "print(D.DataLoader is trueno.utils.data.DataLoader, "
                 "torch.utils.data.TensorDataset is trueno.utils.data.TensorDataset)")
    assert out == "True True"


def test_import_torch_optim_first_and_nn_utils():
    out = _fresh("import trueno.torch.optim as optim; "
                 "from trueno.torch.optim.lr_scheduler import StepLR; "
                 "import trueno.torch as torch; import trueno.torch.nn as nn; "
                 "from trueno.torch.nn.utils import clip_grad_norm_; "
                 "print(optim.SGD is torch.optim.SGD, StepLR.__name__, "
                 "nn.utils.clip_grad_norm_ is clip_grad_norm_ is optim.clip_grad_norm_)")
    assert out == "True StepLR True"
