"""An outside plugin that overrides the CPU ``negative`` kernel and counts its calls."""

import numpy as np

import trueno

calls = [0]


def negative(x):
    calls[0] += 1
    return np.negative(x)


@trueno.hookimpl
def trueno_register_backends(registry):
    registry.add_backend("example_override", devices=("cpu",), priority=50,
                         kernels={"negative": {"float64": negative}})
