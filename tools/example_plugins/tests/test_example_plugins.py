"""Outside plugins, installed by entry point: one overrides a kernel, one adds a device."""

import importlib.metadata as md

import numpy as np
import pytest

import trueno as tn

pytestmark = pytest.mark.skipif(
    not any(ep.name == "toy" for ep in md.entry_points(group="trueno")),
    reason="needs the example plugins installed: pip install -e tools/example_plugins/trueno-toy "
           "-e tools/example_plugins/trueno-example-override (the nox tests session does)")


def names():
    return {b["name"]: b for b in tn.backends()}


def test_both_plugins_are_listed_with_priority_and_devices():
    b = names()
    assert b["example_override"]["devices"] == ("cpu",)
    assert b["example_override"]["priority"] == 50
    assert b["toy"]["devices"] == ("toy",)


def test_override_wins_for_its_dtype_only():
    import trueno_example_override as ov
    before = ov.calls[0]
    x = tn.asarray([1.0, -2.0])
    with tn.use_backend(None):  # priorities decide, even under TRUENO_BACKEND=reference
        np.testing.assert_array_equal((-x).numpy(), [-1.0, 2.0])
        assert ov.calls[0] == before + 1
        (-tn.asarray([1, 2], dtype=tn.int32))  # another dtype: not the override
        assert ov.calls[0] == before + 1


def test_forcing_reference_bypasses_the_override():
    import trueno_example_override as ov
    before = ov.calls[0]
    with tn.use_backend("reference"):
        np.testing.assert_array_equal((-tn.asarray([3.0])).numpy(), [-3.0])
    assert ov.calls[0] == before


def test_toy_device_round_trip_and_ops():
    a = tn.asarray(np.arange(12.0).reshape(3, 4))
    t = a.to_device("toy")
    assert str(t.device) == "toy:0"
    from trueno_toy import ToyStorage
    assert isinstance(t.storage, ToyStorage)
    np.testing.assert_array_equal((t + t).cpu().numpy(), a.numpy() * 2)
    np.testing.assert_array_equal((t * 3.0).cpu().numpy(), a.numpy() * 3)
    assert float(tn.sum(t).cpu()) == a.numpy().sum()


def test_toy_views_are_computed_by_core_without_copies():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = tn.asarray(a).to_device("toy")
    for view, ref in [(t.T, a.T), (t[1, ::-1, 1::2], a[1, ::-1, 1::2]),
                      (t.reshape(6, 4), a.reshape(6, 4)), (t[:, None, 0], a[:, None, 0]),
                      (tn.broadcast_to(t[0, 0], (3, 4)), np.broadcast_to(a[0, 0], (3, 4))),
                      (t[0].diagonal(), a[0].diagonal())]:
        assert view.storage is t.storage
        np.testing.assert_array_equal(view.cpu().numpy(), ref)
    # arithmetic on a negative-stride view
    np.testing.assert_array_equal((t[:, ::-1] + 1.0).cpu().numpy(), a[:, ::-1] + 1)


def test_toy_setitem_writes_through_views():
    t = tn.zeros((3, 3)).to_device("toy")
    t[1:, ::2] = 5.0
    ref = np.zeros((3, 3))
    ref[1:, ::2] = 5.0
    np.testing.assert_array_equal(t.cpu().numpy(), ref)
    v = t[0]
    v += 2.0
    ref[0] += 2
    np.testing.assert_array_equal(t.cpu().numpy(), ref)


def test_toy_uses_decomposition_for_concat():
    t = tn.asarray([1.0, 2.0]).to_device("toy")
    out = tn.concat([t, t * 2.0])
    assert str(out.device) == "toy:0"
    np.testing.assert_array_equal(out.cpu().numpy(), [1, 2, 2, 4])


def test_toy_missing_kernel_error_names_op_device_dtypes_and_fix():
    t = tn.asarray([1.0, 2.0]).to_device("toy")
    with pytest.raises(tn.DeviceError) as e:
        tn.exp(t)
    msg = str(e.value)
    assert "exp" in msg and "toy" in msg and "float64" in msg and ".to('cpu')" in msg


def test_mixing_devices_is_an_error():
    t = tn.asarray([1.0]).to_device("toy")
    with pytest.raises(tn.DeviceError, match="same device"):
        t + tn.asarray([1.0])


def test_no_implicit_transfer_to_numpy():
    t = tn.asarray([1.0]).to_device("toy")
    with pytest.raises(tn.DeviceError):
        np.asarray(t)
    assert "toy" in repr(t)  # printing may download


def test_block_plugin_by_name_and_disable_autoload(tmp_path):
    import subprocess
    import sys
    code = ("import trueno as tn; print(sorted(b['name'] for b in tn.backends()))")
    env_block = {"TRUENO_BLOCK_PLUGINS": "toy,example_override"}
    env_off = {"TRUENO_DISABLE_PLUGIN_AUTOLOAD": "1"}
    import os
    for env, absent in ((env_block, ("toy", "example_override")), (env_off, ("toy",))):
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                             capture_output=True, text=True, check=True).stdout
        for name in absent:
            assert name not in out
        assert "reference" in out
