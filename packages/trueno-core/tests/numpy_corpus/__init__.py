"""Snippets of the NumPy corpus (read as data by ``test_numpy_corpus.py``)."""
