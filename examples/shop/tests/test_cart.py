from shop.cart import total


def test_plain() -> None:
    assert total([1, 2, 3]) == 6


def test_half() -> None:
    assert total([10, 10], "HALF") == 10


def test_unknown_code() -> None:
    assert total([5], "NOPE") == 5
