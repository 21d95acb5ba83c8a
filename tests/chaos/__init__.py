"""The fault suite (`make chaos`): a small cluster on a PostgreSQL and a Redis of its own, a
workload that writes and reads through the faults, and Jepsen-style checks afterwards.

Run with `python -m tests.chaos [--quick]`; see __main__.py.
"""
