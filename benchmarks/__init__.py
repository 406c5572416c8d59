"""Benchmarks of cdk-cleanrooms-ml against the usual workarounds, run with ``python -m benchmarks``.

Every number is measured next to its peer in the same run and reported as a ratio; goals are
reported, never asserted (a missed goal does not fail the run, a crashing benchmark does).
"""
