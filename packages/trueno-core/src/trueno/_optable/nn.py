"""The neural-network composites that backends fuse: ``softmax``, ``log_softmax``,
``layer_norm``, ``layer_norm_backward``, ``addcmul`` and ``conv2d`` (decompositions in
``_decompositions_nn``)."""

from __future__ import annotations

from ._row import Op, add_op, comps

_NN = "_decompositions_nn"

comps("softmax log_softmax", nin=1, accepts="real", result="float", shape="same",
      numpy_name=None, module=_NN, sig="x, /, *, axis: int")
comps("layer_norm", nin=1, accepts="real floating", shape="same", numpy_name=None,
      module=_NN, sig="x, /, *, normalized_ndim: int, weight: Tensor | None = None, "
                      "bias: Tensor | None = None, eps: float = 1e-05")
# The gradients of layer_norm for the output gradient g (autograd's rule calls it): the tuple
# (gx, gw, gb) of the input's gradient and the sums over the leading dims of g * xhat (the
# weight's gradient) and of g (the bias's); weight is None without one. Its own results are
# not differentiated (create_graph differentiates the rule's trueno-op expression instead).
comps("layer_norm_backward", nin=3, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module=_NN,
      sig="x, g, weight, /, *, normalized_ndim: int, eps: float = 1e-05")
comps("addcmul", nin=3, accepts="numeric", shape="pointwise", numpy_name=None, module=_NN,
      sig="x, t1, t2, /, *, value: Scalar = 1.0")
add_op(Op("conv2d", 2, accepts="real floating", shape="conv2d", numpy_name=None,
          decomposition="trueno._decompositions_nn:conv2d",
          sig="x, weight, /, *, bias: Tensor | None = None, stride: tuple[int, int] = (1, 1), "
              "padding: tuple[int, int] = (0, 0), dilation: tuple[int, int] = (1, 1), "
              "groups: int = 1"))
