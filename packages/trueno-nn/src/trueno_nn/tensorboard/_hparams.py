"""The summaries of ``SummaryWriter.add_hparams``: TensorBoard's hparams plugin messages
(``HParamsPluginData`` with an ``Experiment``, a ``SessionStartInfo`` and a
``SessionEndInfo``), encoded by hand as PyTorch's ``torch.utils.tensorboard.summary.hparams``
builds them (field numbers from tensorboard/plugins/hparams/{api,plugin_data}.proto and
google/protobuf/struct.proto)."""

from __future__ import annotations

from . import _records as R

__all__ = ["hparams_summaries"]

PLUGIN_NAME = "hparams"
EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_INFO_TAG = "_hparams_/session_start_info"
SESSION_END_INFO_TAG = "_hparams_/session_end_info"
_FLOAT64, _STRING = 3, 1  # api.proto DataType
_STATUS_SUCCESS = 1


def _value(v, kind: int) -> bytes:
    """A ``google.protobuf.Value``: number_value=2 or string_value=3 (a oneof, so a zero is
    written too)."""
    return R._bytes(3, v) if kind == _STRING else R._double(2, float(v))


def _summary(tag: str, content: bytes) -> bytes:
    return R.Summary([R.Value(tag, metadata=R.plugin_metadata(PLUGIN_NAME, content))])


def hparams_summaries(hparam_dict: dict, metric_dict: dict,
                      hparam_domain_discrete: dict | None = None) -> tuple[bytes, bytes, bytes]:
    """(experiment, session start, session end) ``Summary`` bytes."""
    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("add_hparams: hparam_dict and metric_dict should be dictionaries")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("add_hparams: hparam_domain_discrete should be a dictionary")
    for k, v in domains.items():
        if k not in hparam_dict or not isinstance(v, list) or \
                not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"add_hparams: hparam_domain_discrete[{k!r}] should be a list of "
                            f"the type of hparam_dict[{k!r}]")
    infos, entries = [], []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        # NOTE: bool is an int, so True logs as the number 1.0, as in PyTorch
        if isinstance(v, (int, float)):
            kind = _FLOAT64
        elif isinstance(v, str):
            kind = _STRING
        elif hasattr(v, "detach") or hasattr(v, "__array__"):
            import numpy as np
            v = float(np.asarray(v.detach().cpu() if hasattr(v, "detach") else v)
                      .reshape(-1)[0])
            kind = _FLOAT64
        else:
            raise ValueError(f"add_hparams: hparam_dict[{k!r}] is a {type(v).__name__}; "
                             f"expected an int, float, str, bool or tensor")
        entries.append(R._bytes(1, R._bytes(1, k) + R._bytes(2, _value(v, kind))))  # map entry
        info = R._bytes(1, k) + R._int(4, kind)
        if k in domains:
            info += R._bytes(5, b"".join(R._bytes(1, _value(d, kind)) for d in domains[k]))
        infos.append(info)
    ssi = R._bytes(3, b"".join(entries))
    metrics = [R._bytes(5, R._bytes(1, R._bytes(2, k))) for k in metric_dict]
    exp = R._bytes(2, b"".join(R._bytes(4, i) for i in infos) + b"".join(metrics))
    sei = R._bytes(4, R._int(1, _STATUS_SUCCESS))
    return (_summary(EXPERIMENT_TAG, exp), _summary(SESSION_START_INFO_TAG, ssi),
            _summary(SESSION_END_INFO_TAG, sei))
