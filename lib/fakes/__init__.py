"""Generators of fake data, apart from the runtime code: the demo data set and the large synthetic one.

`demo` writes data/demo/ (regenerate with `python -m lib.fakes.demo`), `demo_store` loads it into a store
(`python -m lib demo`), `scale` writes the large synthetic files of `python -m lib generate`. Runtime modules
never import this package (tests/test_fakes_apart.py); only those two CLI commands do, lazily.
"""
