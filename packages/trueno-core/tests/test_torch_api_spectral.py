"""``torch.stft`` / ``torch.istft`` on the PyTorch face against torch 2.13."""

import math

import pytest
from torch_diff import check

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

SIG = [math.sin(0.3 * i) + 0.5 * math.cos(1.1 * i) for i in range(40)]


def _s(m):
    return m.tensor(SIG)


CASES = {
    "stft": lambda m: m.stft(_s(m), 8, return_complex=True),
    "stft-hann": lambda m: m.stft(_s(m), 16, hop_length=4, window=m.hann_window(16),
                                  return_complex=True),
    "stft-short-window": lambda m: _s(m).stft(16, 5, win_length=10,
                                              window=m.hamming_window(10),
                                              return_complex=True),
    "stft-no-center": lambda m: m.stft(_s(m), 8, 3, center=False, return_complex=True),
    "stft-normalized-twosided": lambda m: m.stft(_s(m), 8, normalized=True, onesided=False,
                                                 return_complex=True),
    "stft-constant-pad": lambda m: m.stft(_s(m), 8, pad_mode="constant", return_complex=True),
    "stft-batch": lambda m: m.stft(m.stack([_s(m), _s(m) * 2]), 8, return_complex=True),
    "stft-double": lambda m: m.stft(_s(m).double(), 8, return_complex=True),
    "stft-no-return-complex": lambda m: m.stft(_s(m), 8),
    "istft": lambda m: m.istft(m.stft(_s(m), 8, window=m.hann_window(8),
                                      return_complex=True), 8, window=m.hann_window(8)),
    "istft-length": lambda m: m.istft(m.stft(_s(m), 16, 4, window=m.hann_window(16),
                                             return_complex=True), 16, 4,
                                      window=m.hann_window(16), length=40),
    "istft-normalized": lambda m: m.stft(_s(m), 8, normalized=True, return_complex=True).istft(
        8, normalized=True),
    "istft-batch-long": lambda m: m.istft(m.stft(m.stack([_s(m), -_s(m)]), 8,
                                                 return_complex=True), 8, length=44),
}


@pytest.mark.parametrize("name", list(CASES))
def test_stft_matches_torch(name):
    check(CASES[name], rtol=1e-4, atol=1e-4)


def test_istft_inverts_stft():
    import trueno.torch as tt
    x = tt.tensor(SIG)
    w = tt.hann_window(16)
    back = tt.istft(tt.stft(x, 16, 4, window=w, return_complex=True), 16, 4, window=w,
                    length=40)
    assert tt.allclose(back, x, atol=1e-5)
