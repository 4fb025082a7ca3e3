"""The neural-network composites that backends fuse: ``softmax``, ``log_softmax``,
``layer_norm``, ``layer_norm_backward``, ``batch_norm_training``, ``batch_norm_backward``,
``cross_entropy_forward``, ``cross_entropy_backward``, ``threshold_backward``, ``addcmul``
and ``conv2d`` (decompositions in ``_decompositions_nn``), ``max_pool2d_forward`` and
``max_pool2d_backward`` (in ``_decompositions_pool``), ``batch_norm_update_stats`` (in
``_decompositions_norm_stats``) and ``lstm_cell_forward``, ``lstm_cell_backward``,
``gru_cell_forward`` and ``gru_cell_backward`` (in ``_decompositions_rnn``)."""

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
# batch_norm in training, for trueno-nn's node off the CPU: (out, mean, var, rstd) of x (N, C, ...)
# normalised by its per-channel batch statistics (the biased variance), and PyTorch's
# closed-form gradients (gx, gw, gb) from the forward's mean and rstd; weight and bias may be
# None. Their results are not differentiated (create_graph differentiates the node's chain).
comps("batch_norm_training", nin=3, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module=_NN,
      sig="x, weight, bias, /, *, eps: float = 1e-05")
comps("batch_norm_backward", nin=5, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module=_NN, sig="x, g, mean, rstd, weight, /")
# cross_entropy with class indices, for trueno-nn's node off the CPU: (loss, lse, denom)
# and the logits' gradient for the loss's gradient g (the target is an integer input).
comps("cross_entropy_forward", nin=3, accepts="real floating", shape="custom",
      numpy_name=None, torch_name=None, differentiable=False, module=_NN,
      sig="x, target, weight, /, *, ignore_index: int = -100, reduction: str = 'mean'")
comps("cross_entropy_backward", nin=6, accepts="real floating", shape="custom",
      numpy_name=None, torch_name=None, differentiable=False, module=_NN,
      sig="x, target, weight, lse, g, denom, /, *, ignore_index: int = -100, "
          "reduction: str = 'mean'")
# PyTorch's threshold_backward (relu's gradient from its output, which autograd's relu rule
# calls off the CPU): grad where x > threshold or x is NaN, else 0, in one pass instead of a
# compare and a where; threshold is taken in x's dtype. Not differentiated (create_graph
# differentiates the rule's where expression instead).
comps("threshold_backward", nin=2, accepts="real floating", shape="pointwise",
      numpy_name=None, torch_name=None, differentiable=False, module=_NN,
      sig="grad, x, /, *, threshold: float = 0.0")
comps("addcmul", nin=3, accepts="numeric", shape="pointwise", numpy_name=None, module=_NN,
      sig="x, t1, t2, /, *, value: Scalar = 1.0")
add_op(Op("conv2d", 2, accepts="real floating", shape="conv2d", numpy_name=None,
          decomposition="trueno._decompositions_nn:conv2d",
          sig="x, weight, /, *, bias: Tensor | None = None, stride: tuple[int, int] = (1, 1), "
              "padding: tuple[int, int] = (0, 0), dilation: tuple[int, int] = (1, 1), "
              "groups: int = 1"))
# 2-d max pooling, for trueno-nn's node off the CPU: (values, indices) of x (N, C, H, W), each
# window's maximum and its flat input index row * W + col (int64; PyTorch's scan: ties keep the
# first, NaN wins), and the input gradient of g (N, C, OH, OW) added at those indices.
_POOL = ("kernel_size: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int], "
         "dilation: tuple[int, int]")
comps("max_pool2d_forward", nin=1, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module="_decompositions_pool",
      sig=f"x, /, *, {_POOL}, ceil_mode: bool = False")
comps("max_pool2d_backward", nin=2, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module="_decompositions_pool",
      sig=f"g, indices, /, *, input_size: tuple[int, int], {_POOL}")
# batch_norm's running statistics moved toward a batch's, in place (trueno-nn's training step):
# running = (1 - momentum) running + momentum (factor) stat for the mean and the variance, and
# the integer num_batches_tracked (or None) counted up by one.
comps("batch_norm_update_stats", nin=5, accepts="real floating", shape="custom",
      numpy_name=None, torch_name=None, differentiable=False,
      module="_decompositions_norm_stats",
      sig="running_mean, running_var, mean, var, num_batches_tracked, /, *, momentum: float, "
          "factor: float = 1.0")
# The LSTM cell's pointwise part, for trueno-nn's LSTM node off the CPU (PyTorch's fused cell,
# _thnn_fused_lstm_cell, without biases): (h, c, workspace) from the gate pre-activations
# gates_x + gates_h (N, 4H; gate order i, f, g, o) and c_prev (N, H), workspace the four
# activations (N, 4H); and (d_gates, dc_prev) from h's gradient dh + dh_out, c's gradient dc,
# c_prev, c and the workspace. The *_out inputs (None, or tensors of the results' shapes)
# receive the results in place and are returned (the node writes each step into its
# sequence's (T, N, ...) arrays: no stacking copies). Not differentiated (create_graph
# differentiates the node's trueno-op recurrence instead).
comps("lstm_cell_forward", nin=6, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module="_decompositions_rnn",
      sig="gates_x, gates_h, c_prev, h_out, c_out, workspace_out, /")
comps("lstm_cell_backward", nin=8, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module="_decompositions_rnn",
      sig="dh, dh_out, dc, c_prev, c, workspace, d_gates_out, dc_prev_out, /")
# The GRU cell's pointwise part, for trueno-nn's GRU node off the CPU (PyTorch's
# _thnn_fused_gru_cell with the hidden bias): gates_x = x W_ih^T + b_ih and gates_h =
# h_prev W_hh^T (N, 3H; gate order r, z, n), bias_h the (3H,) b_hh or None; r = sigmoid(x_r +
# h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r h_n) (h_* with b_hh), h = (1 - z) n + z h_prev;
# workspace (N, 4H) = r, z, n, h_n. The backward gives the gradients of gates_x and gates_h
# and h_prev's direct part (dh + dh_out) z plus dh_prev_add (None: 0; the node passes the
# previous step's output gradient, so one launch gives that step's whole dh_out; it adds
# d_gates_h @ W_hh as that step's dh). *_out as the LSTM cell's.
comps("gru_cell_forward", nin=6, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module="_decompositions_rnn",
      sig="gates_x, gates_h, h_prev, bias_h, h_out, workspace_out, /")
comps("gru_cell_backward", nin=8, accepts="real floating", shape="custom", numpy_name=None,
      torch_name=None, differentiable=False, module="_decompositions_rnn",
      sig="dh, dh_out, h_prev, workspace, dh_prev_add, d_gates_x_out, d_gates_h_out, "
          "dh_prev_out, /")
