import pytest


def test_merges_overlaps():
    assert parse_intervals("1-3, 2-5, 9") == [(1, 5), (9, 9)]


def test_reversed_bounds():
    assert parse_intervals("7-4") == [(4, 7)]


def test_rejects_garbage():
    with pytest.raises(ValueError):
        parse_intervals("1-x")
