"""A tiny shop: carts and their discounts (an example project with one bug)."""
