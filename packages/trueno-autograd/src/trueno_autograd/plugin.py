"""Registers the autograd engine and every derivative rule (one hook, called once)."""

from __future__ import annotations

import trueno


def all_rules() -> dict:
    """Every public rule of this package, keyed by op name."""
    from . import (
        _rules_elementwise, _rules_fft, _rules_linalg, _rules_reduce, _rules_surface,
        _rules_views,
    )
    rules = {}
    for mod in (_rules_elementwise, _rules_reduce, _rules_views, _rules_linalg):
        rules.update(mod.RULES)
    rules.update(_rules_linalg.linalg_rules())
    rules.update(_rules_fft.fft_rules())
    rules.update(_rules_surface.surface_rules())
    return rules


@trueno.hookimpl
def trueno_register_gradients(registry):
    from . import _rules_views
    from ._engine import ENGINE, PRIVATE_RULES
    PRIVATE_RULES.update(_rules_views.RULES_PRIVATE)
    for name, rule in all_rules().items():
        registry.add_gradient(name, rule)
    registry.set_autograd(ENGINE)
