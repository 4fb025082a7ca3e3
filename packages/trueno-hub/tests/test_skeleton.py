import pytest


def test_import_says_not_available():
    with pytest.raises(ImportError, match="not available yet"):
        import trueno.hub  # noqa: F401
