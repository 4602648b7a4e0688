"""Benchmarks behind `make bench` (issue 8): what users feel, against the simplest designs.

Run `python -m bench` (or `make bench`); `python -m bench --help` for the options. Not a test:
nothing here asserts on time, and the test suite never imports it.
"""
