"""TensorBoard logging: :class:`SummaryWriter` writes event files that TensorBoard opens,
with trueno's own TFRecord/protobuf/PNG encoders (no tensorboard, protobuf or PIL needed)."""

from __future__ import annotations

from .writer import FileWriter, SummaryWriter, SummaryWriterError, SummaryWriterNotSupportedError

__all__ = ["SummaryWriter", "FileWriter", "SummaryWriterError", "SummaryWriterNotSupportedError"]
