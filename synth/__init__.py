"""The synthetic district: a population, its register books, and scans of them.

No real register may ever be committed: it is personal data. The demo, the tests and the
benchmarks stand on what this package generates, deterministically from a seed.
"""
