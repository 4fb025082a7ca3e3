"""``EarlyStopping``: stop training when a validation metric stops improving.

Not a PyTorch class (PyTorch leaves this to the training loop); its rule is
``ReduceLROnPlateau``'s: an epoch improves when the metric beats the best so far by more than
``min_delta`` (absolute) or ``best * threshold`` (relative), in ``mode`` "min" or "max".

Example
-------
>>> stopper = EarlyStopping(patience=3)
>>> for epoch in range(100):                        # doctest: +SKIP
...     val_loss = evaluate(model)
...     if stopper.step(val_loss):
...         break
"""

from __future__ import annotations

import math
from typing import Any

from ._errors import OptimizerValueError

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Count epochs without improvement; :meth:`step` says when there were too many.

    Parameters
    ----------
    patience : int
        Epochs without improvement tolerated; the next one stops.
    mode : {"min", "max"}
        Whether a lower (loss) or higher (accuracy) metric is better.
    min_delta : float
        The least absolute improvement that counts.
    threshold : float
        The least relative improvement that counts (as a fraction of the best value).
    """

    def __init__(self, patience: int = 10, mode: str = "min", min_delta: float = 0.0,
                 threshold: float = 0.0) -> None:
        if mode not in ("min", "max"):
            raise OptimizerValueError(f"EarlyStopping(mode={mode!r}): expected 'min' or "
                                      "'max'\n  hint: 'min' for a loss, 'max' for an accuracy")
        if patience < 0 or min_delta < 0 or threshold < 0:
            raise OptimizerValueError(
                f"EarlyStopping(patience={patience}, min_delta={min_delta}, threshold="
                f"{threshold}): expected values >= 0")
        self.patience, self.mode = patience, mode
        self.min_delta, self.threshold = min_delta, threshold
        self.best: float = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.num_bad_epochs = 0
        self.last_epoch = -1
        self.should_stop = False

    def is_better(self, value: float) -> bool:
        """Whether ``value`` improves on the best value so far."""
        if math.isinf(self.best):
            return (value < self.best) if self.mode == "min" else (value > self.best)
        margin = max(self.min_delta, abs(self.best) * self.threshold)
        if self.mode == "min":
            return value < self.best - margin
        return value > self.best + margin

    def step(self, metric: Any) -> bool:
        """Record this epoch's ``metric`` (a number or 0-d tensor); True when training should
        stop (more than ``patience`` epochs in a row without improvement, or a NaN)."""
        value = float(metric)
        self.last_epoch += 1
        if math.isnan(value):
            self.should_stop = True
            return True
        if self.is_better(value):
            self.best, self.best_epoch, self.num_bad_epochs = value, self.last_epoch, 0
        else:
            self.num_bad_epochs += 1
        self.should_stop = self.num_bad_epochs > self.patience
        return self.should_stop

    def state_dict(self) -> dict[str, Any]:
        """All attributes (plain numbers and strings), for a checkpoint."""
        return dict(self.__dict__)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)
