"""Helpers the tests share. A test imports them from here (or takes a fixture), never from a
test module or a conftest, nor from bench/; what bench/ needs as well lives in testbed/."""
