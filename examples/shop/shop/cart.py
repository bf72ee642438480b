"""What a cart costs."""

from shop.pricing import discount


def total(prices: list[int], code: str | None = None) -> int:
    subtotal = 0
    for price in prices:
        subtotal += price
    return subtotal - discount(subtotal, code)
