"""The PyTorch face's reductions and order statistics (median/kthvalue/mode/quantile,
std_mean, aminmax, cummax, logcumsumexp, unique, bincount/histc, searchsorted, cov, ...)
against torch 2.13: values, dtype, shape, named-tuple fields and errors."""

import math

import pytest
from torch_diff import check

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

A = [[3.0, -1.0, 7.5, 2.0], [0.5, 9.0, -4.0, 6.0], [1.0, 8.0, 5.0, -2.5]]
N = [[1.0, math.nan, 3.0, 2.0], [4.0, 0.0, -1.0, 5.0]]
R = [[1, 3, 3, 2, 1], [4, 4, 0, 0, 4]]
C = [1, 1, 2, 2, 2, 3, 1, 1]


def _a(m):
    return m.tensor(A)


CASES = {
    "median": lambda m: m.median(_a(m)), "median-dim": lambda m: m.median(_a(m), 1),
    "median-dim0-keep": lambda m: _a(m).median(0, keepdim=True),
    "median-nan": lambda m: m.median(m.tensor(N)),
    "median-nan-dim": lambda m: m.median(m.tensor(N), 1).values,
    "median-int": lambda m: m.median(m.tensor([4, 1, 3, 2])),
    "nanmedian": lambda m: m.nanmedian(m.tensor(N)),
    "nanmedian-dim": lambda m: m.tensor(N).nanmedian(1),
    "nanmedian-int": lambda m: (m.nanmedian(m.tensor(R)), m.tensor(R).nanmedian(1)),
    "kthvalue": lambda m: m.kthvalue(_a(m), 2), "kthvalue-dim0": lambda m: _a(m).kthvalue(3, 0),
    "kthvalue-keep": lambda m: _a(m).kthvalue(1, 1, True),
    "kthvalue-bad": lambda m: _a(m).kthvalue(5),
    "mode": lambda m: m.mode(m.tensor(R)), "mode-dim0": lambda m: m.tensor(R).mode(0),
    "mode-keep": lambda m: m.tensor(R).mode(1, keepdim=True),
    "quantile": lambda m: m.quantile(_a(m), 0.3), "quantile-dim": lambda m: _a(m).quantile(0.5, 1),
    "quantile-q": lambda m: m.quantile(_a(m), m.tensor([0.1, 0.9]), dim=0, keepdim=True),
    "quantile-keep-none": lambda m: m.quantile(_a(m), m.tensor([0.25]), keepdim=True),
    **{f"quantile-{i}": (lambda k: lambda m: _a(m).quantile(0.4, 1, interpolation=k))(i)
       for i in ("lower", "higher", "midpoint", "nearest")},
    "quantile-int": lambda m: m.quantile(m.tensor([1, 2]), 0.5),
    "quantile-range": lambda m: m.quantile(_a(m), 1.5),
    "nanquantile": lambda m: m.nanquantile(m.tensor(N), 0.5, dim=1),
    "std_mean": lambda m: m.std_mean(_a(m)), "std_mean-dim": lambda m: m.std_mean(_a(m), 1),
    "var_mean": lambda m: m.var_mean(_a(m), 0, correction=0, keepdim=True),
    "aminmax": lambda m: m.aminmax(_a(m)), "aminmax-dim": lambda m: _a(m).aminmax(dim=1),
    "aminmax-int": lambda m: m.aminmax(m.tensor(R), dim=0, keepdim=True),
    "cummax": lambda m: m.cummax(_a(m), 1), "cummin": lambda m: _a(m).cummin(0),
    "cummax-ties": lambda m: m.cummax(m.tensor(C), 0), "cummin-ties": lambda m: m.cummin(
        m.tensor([3, 1, 1, 2, 1]), 0),
    "cummax-nan": lambda m: m.cummax(m.tensor([1.0, math.nan, 3.0, math.nan, 0.0]), 0),
    "logcumsumexp": lambda m: m.logcumsumexp(_a(m) * 100, 1),
    "logcumsumexp-dim0": lambda m: _a(m).logcumsumexp(0),
    "nansum": lambda m: m.nansum(m.tensor(N)), "nansum-dim": lambda m: m.tensor(N).nansum(1),
    "nansum-int": lambda m: m.nansum(m.tensor(R), 0),
    "nanmean": lambda m: m.nanmean(m.tensor(N), 1), "nanmean-all": lambda m: m.tensor(N).nanmean(),
    "nanmean-int": lambda m: m.nanmean(m.tensor(R)),
    "msort": lambda m: m.msort(_a(m)),
    "unique": lambda m: m.unique(m.tensor(R)),
    "unique-all": lambda m: m.unique(m.tensor(R), return_inverse=True, return_counts=True),
    "unique-dim": lambda m: m.tensor(R).t().unique(dim=0, return_inverse=True),
    "unique-counts": lambda m: m.tensor(C).unique(return_counts=True),
    "unique_consecutive": lambda m: m.unique_consecutive(m.tensor(C)),
    "unique_consecutive-all": lambda m: m.unique_consecutive(
        m.tensor(C), return_inverse=True, return_counts=True),
    "unique_consecutive-2d": lambda m: m.tensor(R).unique_consecutive(return_inverse=True),
    "unique_consecutive-dim": lambda m: m.unique_consecutive(
        m.tensor([[1, 1, 2], [1, 1, 3]]), return_counts=True, return_inverse=True, dim=1),
    "bincount": lambda m: m.bincount(m.tensor(C)),
    "bincount-minlength": lambda m: m.tensor(C).bincount(minlength=6),
    "bincount-weights": lambda m: m.bincount(m.tensor([0, 2, 2]), m.tensor([0.5, 1.0, 2.0])),
    "bincount-weights64": lambda m: m.bincount(m.tensor([0, 2]), m.tensor([1.0, 2.0]).double()),
    "bincount-neg": lambda m: m.bincount(m.tensor([-1, 2])),
    "histc": lambda m: m.histc(_a(m), 4), "histc-range": lambda m: _a(m).histc(5, -2, 6),
    "histogram": lambda m: m.histogram(_a(m), 3),
    "histogram-range": lambda m: _a(m).histogram(4, range=(0.0, 8.0), density=True),
    "searchsorted": lambda m: m.searchsorted(m.tensor([1.0, 3.0, 5.0]), m.tensor([[0.5, 3.0],
                                                                                   [5.0, 9.0]])),
    "searchsorted-right": lambda m: m.searchsorted(m.tensor([1, 3, 5]), m.tensor([3, 5]),
                                                   right=True),
    "searchsorted-side-int32": lambda m: m.searchsorted(m.tensor([1, 3, 5]), m.tensor([3]),
                                                        side="right", out_int32=True),
    "searchsorted-2d": lambda m: m.searchsorted(m.tensor([[1.0, 3.0], [2.0, 4.0]]),
                                                m.tensor([[2.0, 3.0], [1.0, 5.0]])),
    "searchsorted-scalar": lambda m: m.searchsorted(m.tensor([1.0, 3.0]), 2.0),
    "bucketize": lambda m: m.bucketize(m.tensor([[1, 3], [5, 7]]), m.tensor([1, 5])),
    "bucketize-right": lambda m: m.bucketize(m.tensor([1, 3, 5]), m.tensor([1, 5]), right=True),
    "cov": lambda m: m.cov(_a(m)), "cov-corr0": lambda m: _a(m).cov(correction=0),
    "cov-weights": lambda m: m.cov(_a(m), fweights=m.tensor([1, 2, 1, 3]),
                                   aweights=m.tensor([0.5, 1.0, 2.0, 1.0])),
    "cov-int": lambda m: m.cov(m.tensor(R)),
    "corrcoef": lambda m: m.corrcoef(_a(m)), "corrcoef-m": lambda m: _a(m).corrcoef(),
    "dist": lambda m: m.dist(_a(m), _a(m) * 0.5), "dist-1": lambda m: _a(m).dist(m.zeros(4), 1),
    "dist-inf": lambda m: m.dist(_a(m), m.ones(3, 4), math.inf),
    "dist-0": lambda m: m.dist(_a(m), _a(m).round(), 0),
    "trapezoid": lambda m: m.trapezoid(_a(m)), "trapz-dx": lambda m: m.trapz(_a(m), dx=0.5, dim=0),
    "trapezoid-x": lambda m: m.trapezoid(_a(m), m.tensor([0.0, 1.0, 3.0, 4.0])),
    "trapezoid-int": lambda m: m.trapezoid(m.tensor(R)),
    "cumulative_trapezoid": lambda m: m.cumulative_trapezoid(_a(m)),
    "cumulative_trapezoid-x": lambda m: m.cumulative_trapezoid(
        _a(m), m.tensor([0.0, 1.0, 3.0, 4.0])),
    "cumulative_trapezoid-dx": lambda m: m.cumulative_trapezoid(_a(m), dx=2.0, dim=0),
    "renorm": lambda m: m.renorm(_a(m), 2, 0, 5.0), "renorm-1": lambda m: _a(m).renorm(1, 1, 6.0),
    "renorm_": lambda m: _a(m).renorm_(2, 0, 5.0),
    "cumsum_": lambda m: _a(m).cumsum_(1), "cumprod_": lambda m: _a(m).cumprod_(0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_reduction_matches_torch(name):
    check(CASES[name], rtol=1e-5, atol=1e-5)


def test_named_tuple_fields():
    import trueno.torch as tt
    assert tt.aminmax(tt.tensor(A)).max.item() == 9.0
    assert tt.median(tt.tensor(A), 1).indices.tolist() == [3, 0, 0]
    assert tt.histogram(tt.tensor(A), 2).bin_edges.shape == (3,)


@pytest.mark.parametrize("case", [
    lambda m: m.max(m.tensor(A), 1), lambda m: m.tensor(A).min(0),
    lambda m: m.sort(m.tensor([3.0, 1.0])), lambda m: m.topk(m.tensor([3.0, 1.0, 2.0]), 2),
    lambda m: m.median(m.tensor(A), 1), lambda m: m.kthvalue(m.tensor(A), 1),
    lambda m: m.mode(m.tensor(R)), lambda m: m.cummax(m.tensor(C), 0),
    lambda m: m.aminmax(m.tensor(A)), lambda m: m.frexp(m.tensor([1.5, 8.0])),
    lambda m: m.histogram(m.tensor(A), 2), lambda m: m.linalg.eigh(m.eye(2)),
    lambda m: m.linalg.slogdet(m.eye(2)), lambda m: m.nanmedian(m.tensor(N), 0),
])
def test_return_types_print_and_name_as_torch(case):
    import trueno.torch as tt
    got, want = case(tt), case(torch)
    assert repr(got) == repr(want)
    assert type(got).__name__ == type(want).__name__
    assert isinstance(got, getattr(tt.return_types, type(want).__name__))
    assert got._fields == tuple(f for f in want._fields if f != "n_fields") if hasattr(
        want, "_fields") else len(got) == len(want)
