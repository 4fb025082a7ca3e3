"""trueno.utils.tensorboard.SummaryWriter: event files read back with TensorBoard's own reader
(EventAccumulator) value by value; records and messages byte-identical to TensorBoard's and
protobuf's encoders; histograms as PyTorch's SummaryWriter makes them; PNG images decoded by
PIL; a corrupted record fails TensorBoard's CRC check."""

from __future__ import annotations

import glob
import io
import os
import struct
import threading

import numpy as np
import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2
from tensorboard.compat.tensorflow_stub import errors as tf_errors
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow as tb_stub
from tensorboard.summary.writer.record_writer import RecordWriter

import trueno
import trueno.torch as torch
from trueno.utils.tensorboard import SummaryWriter, SummaryWriterError
from trueno_nn.tensorboard import _records as R
from trueno_nn.tensorboard._hparams import hparams_summaries as R_hparams


def _read(log_dir) -> EventAccumulator:
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0,
                                                        "images": 0, "tensors": 0})
    return acc.Reload()


def test_torch_face_module_is_the_same():
    import trueno.torch.utils.tensorboard as tb
    assert tb.SummaryWriter is SummaryWriter is trueno.utils.tensorboard.SummaryWriter


def test_scalars_read_back_by_tensorboard(tmp_path):
    values = [0.1 * i ** 2 - 3.7 for i in range(25)]
    with SummaryWriter(tmp_path) as w:
        for i, v in enumerate(values):
            w.add_scalar("loss/train", v, global_step=i, walltime=1000.0 + i)
        w.add_scalar("lr", torch.tensor(0.25), 3, walltime=5.0)
        w.add_scalar("acc", trueno.asarray([0.5]), 4)
        w.add_scalar("big", 1e30, 2**40)
        w.add_scalar("new", 1.0 / 3.0, 1, new_style=True)
        w.add_scalar("new64", 1.0 / 3.0, 1, new_style=True, double_precision=True)
    acc = _read(tmp_path)
    assert sorted(acc.Tags()["scalars"]) == ["acc", "big", "loss/train", "lr"]
    got = acc.Scalars("loss/train")
    assert [e.step for e in got] == list(range(25))
    assert [e.wall_time for e in got] == [1000.0 + i for i in range(25)]
    assert [e.value for e in got] == [float(np.float32(v)) for v in values]
    assert [(e.step, e.value) for e in acc.Scalars("lr")] == [(3, 0.25)]
    assert acc.Scalars("lr")[0].wall_time == 5.0
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(4, 0.5)]
    assert [(e.step, e.value) for e in acc.Scalars("big")] == [(2**40, float(np.float32(1e30)))]
    t = acc.Tensors("new")[0].tensor_proto
    assert t.float_val == [np.float32(1 / 3)] and acc.Tensors("new")[0].step == 1
    assert acc.Tensors("new64")[0].tensor_proto.double_val == [1 / 3]
    assert acc.SummaryMetadata("new").plugin_data.plugin_name == "scalars"


def test_add_scalars_writes_one_run_per_tag(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for i in range(3):
            w.add_scalars("run/x", {"sin": np.sin(i), "cos": np.cos(i)}, i)
    runs = sorted(os.listdir(tmp_path))
    assert [r for r in runs if not r.startswith("events")] == ["run_x_cos", "run_x_sin"]
    for name, fn in (("run_x_sin", np.sin), ("run_x_cos", np.cos)):
        got = _read(tmp_path / name).Scalars("run/x")
        assert [(e.step, e.value) for e in got] == [(i, float(np.float32(fn(i))))
                                                     for i in range(3)]


@pytest.mark.parametrize("bins,max_bins", [("tensorflow", None), (10, None), ("auto", None),
                                           (50, 7)])
def test_histograms_match_pytorch(tmp_path, bins, max_bins):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    from torch.utils.tensorboard.summary import histogram
    rng = np.random.default_rng(3)
    values = rng.standard_normal(1000) * 2 + 0.5
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("w", trueno.asarray(values), 7, bins=bins, max_bins=max_bins)
        w.add_histogram("w", torch.tensor(values[:10]), 8, bins=bins, max_bins=max_bins)
    acc = _read(tmp_path)
    torch_writer = TorchWriter(log_dir=str(tmp_path / "torch"))
    ref_bins = torch_writer.default_bins if bins == "tensorflow" else bins
    torch_writer.close()
    for event, vals, step in zip(acc.Histograms("w"), (values, values[:10]), (7, 8)):
        want = histogram("w", vals, ref_bins, max_bins).value[0].histo
        got = event.histogram_value
        assert event.step == step
        for field in ("min", "max", "num", "sum", "sum_squares"):
            assert getattr(got, field) == getattr(want, field), field
        assert list(got.bucket_limit) == list(want.bucket_limit)
        assert list(got.bucket) == list(want.bucket)
        assert got.num == len(vals) and got.min == vals.min()
    assert _read(tmp_path).Histograms("w")[0].histogram_value.sum == pytest.approx(values.sum())


def _png_pixels(encoded: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encoded)))


def test_images_are_pngs_tensorboard_reads(tmp_path):
    rng = np.random.default_rng(0)
    chw = rng.random((3, 5, 7)).astype(np.float32)
    hwc8 = rng.integers(0, 256, (4, 6, 4), dtype=np.uint8)
    hw = rng.random((3, 2))
    grey = rng.random((1, 4, 4))
    batch = rng.integers(0, 256, (10, 3, 2, 3), dtype=np.uint8)
    with SummaryWriter(tmp_path) as w:
        w.add_image("chw", torch.tensor(chw), 1)
        w.add_image("hwc", trueno.asarray(hwc8), 2, dataformats="HWC")
        w.add_image("hw", hw, 3, dataformats="HW")
        w.add_image("grey", grey, 4)
        w.add_images("batch", batch, 5)
    acc = _read(tmp_path)

    def scaled(a):
        return (a.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)

    want = {"chw": scaled(chw.transpose(1, 2, 0)), "hwc": hwc8,
            "hw": np.stack([scaled(hw)] * 3, 2), "grey": np.concatenate([scaled(grey)] * 3, 0)
            .transpose(1, 2, 0)}
    grid = np.zeros((3, 2 * 2, 3 * 8), dtype=np.uint8)
    for i in range(10):
        y, x = divmod(i, 8)
        grid[:, y * 2:(y + 1) * 2, x * 3:(x + 1) * 3] = batch[i]
    want["batch"] = grid.transpose(1, 2, 0)
    for tag, pixels in want.items():
        (event,) = acc.Images(tag)
        assert (event.height, event.width) == pixels.shape[:2]
        np.testing.assert_array_equal(_png_pixels(event.encoded_image_string), pixels)
    with SummaryWriter(tmp_path / "bad") as w:
        with pytest.raises(SummaryWriterError, match="2 channels") as info:
            w.add_image("x", np.zeros((2, 3, 3)))
        assert isinstance(info.value, ValueError)
        with pytest.raises(ValueError, match="dataformats"):
            w.add_image("x", np.zeros((3, 3)))


def test_text_uses_the_text_plugin(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_text("notes", "**lr** = 0.1, ñ", 3)
    acc = _read(tmp_path)
    (event,) = acc.Tensors("notes/text_summary")
    assert event.step == 3 and event.tensor_proto.string_val == ["**lr** = 0.1, ñ".encode()]
    assert acc.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"


def test_records_and_messages_are_byte_identical_to_the_reference(tmp_path):
    payload = b"trueno event payload" * 3
    buf = io.BytesIO()
    RecordWriter(buf).write(payload)
    assert R.record(payload) == buf.getvalue()
    rng = np.random.default_rng(5)
    for n in (0, 1, 255, 1023, 1024, 1025, 256 * 37 + 5, 100_000):  # both CRC paths
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert R.crc32c(data) == tb_stub.crc32c(data)
        assert R.masked_crc32c(data) == tb_stub.masked_crc32c(data)
    ours = R.Event(12.5, 7, summary=R.Summary([
        R.Value("a", simple_value=0.5),
        R.Value("h", histo=R.histogram_proto(-1, 2, 3, 4, 5, [0.0, 1.0], [1.0, 2.0])),
        R.Value("t/text_summary", metadata=R.plugin_metadata("text"),
                tensor=R.tensor_proto(R.DT_STRING, (1,), string_val=[b"hi"]))]))
    ref = event_pb2.Event(wall_time=12.5, step=7, summary=summary_pb2.Summary(value=[
        summary_pb2.Summary.Value(tag="a", simple_value=0.5),
        summary_pb2.Summary.Value(tag="h", histo=summary_pb2.HistogramProto(
            min=-1, max=2, num=3, sum=4, sum_squares=5, bucket_limit=[0.0, 1.0],
            bucket=[1.0, 2.0])),
        summary_pb2.Summary.Value(
            tag="t/text_summary",
            metadata=summary_pb2.SummaryMetadata(
                plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text")),
            tensor=tensor_pb2.TensorProto(
                dtype=7, string_val=[b"hi"],
                tensor_shape={"dim": [{"size": 1}]}))]))
    assert ours == ref.SerializeToString()
    assert event_pb2.Event.FromString(R.Event(1.0, -3)).step == -3  # negative int64 varint


def test_a_corrupted_record_fails_the_crc_check(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for i in range(5):
            w.add_scalar("x", float(i), i)
    (path,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    data = bytearray(open(path, "rb").read())
    # walk the records to the data of the 4th (steps 0..2 come before it)
    pos = 0
    for _ in range(3 + 1):
        (n,) = struct.unpack("<Q", data[pos:pos + 8])
        pos += 12 + n + 4
    data[pos + 12 + 2] ^= 0x01  # one bit in the 4th scalar event's body
    open(path, "wb").write(bytes(data))
    reader = tb_stub.PyRecordReader_New(path)
    for _ in range(4):
        reader.GetNext()
    with pytest.raises(tf_errors.DataLossError, match="crc32"):
        reader.GetNext()
    got = _read(tmp_path).Scalars("x")  # TensorBoard keeps what comes before the bad record
    assert [(e.step, e.value) for e in got] == [(0, 0.0), (1, 1.0), (2, 2.0)]


def test_purge_step_hides_the_old_runs_later_steps(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for i in range(10):
            w.add_scalar("loss", float(i), i)
    with SummaryWriter(tmp_path, purge_step=5) as w:
        for i in range(5, 8):
            w.add_scalar("loss", 100.0 + i, i)
    got = _read(tmp_path).Scalars("loss")
    assert [(e.step, e.value) for e in got] == [(i, float(i)) for i in range(5)] + \
        [(i, 100.0 + i) for i in range(5, 8)]


def test_default_log_dir_flush_close_and_reopen(tmp_path, monkeypatch):
    import socket
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_demo", max_queue=1000, flush_secs=10_000)
    (run,) = os.listdir(tmp_path / "runs")
    assert run.endswith("_" + socket.gethostname() + "_demo")
    assert w.get_logdir() == os.path.join("runs", run)
    w.add_scalar("a", 1.0, 0)
    assert _read(w.get_logdir()).Tags()["scalars"] == []  # still queued
    w.flush()
    assert _read(w.get_logdir()).Tags()["scalars"] == ["a"]
    w.close()
    w.add_scalar("a", 2.0, 1)  # a closed writer opens a new file, as PyTorch's
    w.close()
    assert [e.value for e in _read(w.get_logdir()).Scalars("a")] == [1.0, 2.0]
    assert len(glob.glob(os.path.join(w.get_logdir(), "events.out.tfevents.*"))) == 2


def test_bad_values(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(SummaryWriterError, match="no element"):
            w.add_histogram("h", np.array([]))
        with pytest.raises(ValueError, match="one value"):
            w.add_scalar("s", np.ones(3))


def test_threads_write_every_event(tmp_path):
    with SummaryWriter(tmp_path, max_queue=3) as w:
        def work(k):
            for i in range(50):
                w.add_scalar(f"t{k}", float(i), i)
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    acc = _read(tmp_path)
    for k in range(4):
        assert [e.value for e in acc.Scalars(f"t{k}")] == [float(i) for i in range(50)]


def test_hparams_match_pytorch(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2
    from torch.utils.tensorboard.summary import hparams as torch_hparams

    import torch as T
    hp = {"lr": 0.1, "bsize": 32, "opt": "adam", "flag": True, "skip": None, "zero": 0.0}
    metrics = {"hparam/acc": 0.75, "hparam/loss": 0.5}
    domains = {"opt": ["adam", "sgd"], "bsize": [16, 32]}
    ours = R_hparams(dict(hp, t=torch.tensor([2.5])), metrics, domains)
    theirs = torch_hparams(dict(hp, t=T.tensor([2.5])), metrics, domains)
    for mine, ref in zip(ours, theirs):
        got = summary_pb2.Summary.FromString(mine)
        assert [v.tag for v in got.value] == [v.tag for v in ref.value]
        pd, rpd = got.value[0].metadata.plugin_data, ref.value[0].metadata.plugin_data
        assert pd.plugin_name == rpd.plugin_name == "hparams"
        assert plugin_data_pb2.HParamsPluginData.FromString(pd.content) == \
            plugin_data_pb2.HParamsPluginData.FromString(rpd.content)
    with SummaryWriter(tmp_path) as w:
        w.add_hparams(hp, metrics, domains, run_name="trial1", global_step=3)
    acc = _read(tmp_path / "trial1")
    assert sorted(acc.PluginTagToContent("hparams")) == [
        "_hparams_/experiment", "_hparams_/session_end_info", "_hparams_/session_start_info"]
    assert [(e.step, e.value) for e in acc.Scalars("hparam/acc")] == [(3, 0.75)]
    with pytest.raises(TypeError, match="hparam_domain_discrete"):
        R_hparams(hp, metrics, {"opt": [1, 2]})
    with pytest.raises(ValueError, match="hparam_dict\\['x'\\]"):
        R_hparams({"x": [1]}, metrics)


def test_figures_are_logged_as_pytorch_renders_them(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from torch.utils.tensorboard._utils import figure_to_image

    def fig(k):
        f = plt.figure(figsize=(1.5, 1.0), dpi=40)
        plt.plot([0, 1, 2], [k, 2 * k, k])
        return f

    with SummaryWriter(tmp_path) as w:
        w.add_figure("one", fig(1), 0, close=False)
        w.add_figure("two", [fig(1), fig(2)], 1)
    acc = _read(tmp_path)
    want_one = figure_to_image(fig(1)).transpose(1, 2, 0)  # CHW -> HWC
    (one,) = acc.Images("one")
    assert (one.height, one.width) == (40, 60)
    np.testing.assert_array_equal(_png_pixels(one.encoded_image_string), want_one)
    (two,) = acc.Images("two")
    assert (two.height, two.width) == (40, 120)
    np.testing.assert_array_equal(_png_pixels(two.encoded_image_string)[:, :60], want_one)
    plt.close("all")


def test_a_writer_never_closed_still_writes_its_events(tmp_path):
    import subprocess
    import sys
    script = ("from trueno.utils.tensorboard import SummaryWriter\n"
              f"w = SummaryWriter({str(tmp_path)!r}, max_queue=100, flush_secs=10_000)\n"
              "for i in range(5):\n"
              "    w.add_scalar('x', float(i), i)\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    assert [e.value for e in _read(tmp_path).Scalars("x")] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_pr_curves_audio_and_raw_histograms_match_pytorch(tmp_path):
    import torch as T
    from torch.utils.tensorboard.summary import audio as torch_audio
    from torch.utils.tensorboard.summary import pr_curve as torch_pr_curve
    rng = np.random.default_rng(8)
    labels = rng.integers(0, 2, 200)
    preds = rng.random(200)
    weights = rng.random(200)
    sound = np.sin(np.linspace(0, 40, 1000)) * 1.3  # clipped to [-1, 1]
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve("pr", trueno.asarray(labels), torch.tensor(preds), 2, num_thresholds=50)
        w.add_pr_curve("prw", labels, preds, 3, num_thresholds=500, weights=weights)
        w.add_audio("snd", torch.tensor(sound), 4, sample_rate=8000)
        w.add_histogram_raw("raw", -1.0, 3.0, 6, 4.5, 11.25, [0.0, 1.0, 3.0], [1, 2, 3], 5)
        with pytest.raises(SummaryWriterError, match="3 bucket limits but 2"):
            w.add_histogram_raw("raw", 0, 1, 1, 1, 1, [0.0, 1.0, 3.0], [1, 2])
    acc = _read(tmp_path)
    for tag, kw in (("pr", dict(num_thresholds=50)),
                    ("prw", dict(num_thresholds=500, weights=weights))):
        want = torch_pr_curve(tag, labels, preds, **kw).value[0]
        (event,) = acc.Tensors(tag)
        assert event.tensor_proto == want.tensor
        assert acc.SummaryMetadata(tag) == want.metadata
    (snd,) = acc.Audio("snd")
    want = torch_audio("snd", T.tensor(sound), sample_rate=8000).value[0].audio
    assert (snd.step, snd.sample_rate, snd.length_frames, snd.content_type) == \
        (4, 8000, 1000, "audio/wav")
    assert snd.encoded_audio_string == want.encoded_audio_string
    (raw,) = acc.Histograms("raw")
    h = raw.histogram_value
    assert (raw.step, h.min, h.max, h.num, h.sum, h.sum_squares) == (5, -1, 3, 6, 4.5, 11.25)
    assert (list(h.bucket_limit), list(h.bucket)) == ([0.0, 1.0, 3.0], [1, 2, 3])


def test_methods_trueno_does_not_write_say_so(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(NotImplementedError, match="add_graph.*does not write"):
            w.add_graph(torch.nn.Linear(2, 2), torch.ones(1, 2))
        with pytest.raises(trueno.TruenoError, match="add_video"):
            w.add_video("v", np.zeros((1, 2, 3, 4, 4)))


def test_event_files_of_a_process_are_read_in_creation_order(tmp_path, monkeypatch):
    import itertools

    from trueno_nn.tensorboard import writer as W
    monkeypatch.setattr(W, "_UID", itertools.count(7))  # crosses 9 -> 10
    for i in range(5):
        with SummaryWriter(tmp_path) as w:
            w.add_scalar("x", float(i), i)
    assert [(e.step, e.value) for e in _read(tmp_path).Scalars("x")] == \
        [(i, float(i)) for i in range(5)]


def test_events_reach_the_disk_after_flush_secs_without_more_calls(tmp_path):
    import time
    w = SummaryWriter(tmp_path, max_queue=1000, flush_secs=1)
    w.add_scalar("x", 1.5, 0)
    for _ in range(600):  # the flushing thread ticks every second; wait for it, generously
        time.sleep(0.1)
        if _read(tmp_path).Tags()["scalars"]:
            break
    assert [e.value for e in _read(tmp_path).Scalars("x")] == [1.5]
    w.close()
