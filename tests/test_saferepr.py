"""The bounded repr the tracer records values with (pure, so tested in this process)."""

from __future__ import annotations

from collections import deque

from ldb.harness.saferepr import SafeRepr

render = SafeRepr(max_chars=60, max_items=6)


def test_types_are_told_apart() -> None:
    assert render("1") == "'1'"
    assert render(1) == "1"
    assert render(b"1") == "b'1'"
    assert render(None) == "None"
    assert render(1.5) == "1.5"


def test_long_strings_are_cut_in_the_middle_with_their_length() -> None:
    text = "a" * 100 + "b" * 100
    shown = render(text)
    assert shown.startswith("'aaaa") and shown.endswith("bbbb' (len 200)")
    assert len(shown) < 80


def test_long_containers_keep_both_ends_and_their_length() -> None:
    assert render(list(range(100))) == "[0, 1, 2, 3, ..., 98, 99] (len 100)"
    assert render(tuple(range(3))) == "(0, 1, 2)"
    assert render((1,)) == "(1,)"
    assert render(set()) == "set()"
    assert render(deque([1, 2])) == "deque([1, 2])"
    assert render({"k": [1, 2]}) == "{'k': [1, 2]}"


def test_cycles_and_depth_are_bounded() -> None:
    loop: list[object] = [1]
    loop.append(loop)
    assert render(loop) == "[1, [...]]"
    deep: list[object] = []
    for _ in range(10):
        deep = [deep]
    assert render(deep) == "[[[[[...] (len 1)]]]]"


def test_huge_ints_are_not_converted() -> None:
    assert render(10**5000) == "<int with about 5001 digits>"
    assert render(-(2**10)) == "-1024"


def test_a_programs_own_repr_is_guarded() -> None:
    class Raises:
        def __repr__(self) -> str:
            raise KeyError("x")

    class Loops:
        def __repr__(self) -> str:
            while True:
                pass

    class Wrong:
        def __repr__(self):
            return 42

    class Huge:
        def __repr__(self) -> str:
            return "y" * 10**6

    # Rendered first: pytest would call these reprs itself to explain a failed assert.
    raising, first_loop, second_loop, wrong = (
        render(Raises()),
        render(Loops()),
        render(Loops()),
        render(Wrong()),
    )
    assert raising == "<Raises object (repr raised KeyError)>"
    assert first_loop == "<Loops object (repr took too long)>"
    # A type that once took too long is not asked again.
    assert "took too long" not in second_loop and "object at 0x…>" in second_loop
    assert wrong == "<Wrong (repr returned int)>"
    huge = render(Huge())
    assert huge.endswith("(len 1000000)") and len(huge) < 100


def test_addresses_are_masked() -> None:
    assert render(object()) == "<object object at 0x…>"
    assert "0x…" in render(lambda: 0)


def test_array_like_values_show_shape_and_dtype() -> None:
    class Array:
        shape = (1000, 3)
        dtype = "float64"
        size = 3000

    assert render(Array()) == "<Array shape=(1000, 3) dtype=float64>"


def test_exception_messages_are_bounded_and_guarded() -> None:
    class Mute(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no message")

    assert render.exception(ValueError("bad")) == "ValueError: bad"
    assert render.exception(Mute()) == "Mute: <message unavailable: RuntimeError>"
    long = render.exception(ValueError("x" * 1000))
    assert long.startswith("ValueError: xxx") and len(long) <= 60
