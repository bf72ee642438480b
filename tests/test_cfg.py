"""The control-flow graph builder, construct by construct, in terms of the source text."""

from __future__ import annotations

import textwrap

import networkx as nx
import pytest

import ldb
from ldb.models import Edge
from tests.helpers.cfg_invariants import check, check_graph
from tests.helpers.cfg_lookup import block, edges, goes, graph_of


def test_straight_code_is_one_block() -> None:
    graph = graph_of(
        """
        def f(x):
            y = x + 1
            z = (
                y * 2
            )
            print(y, z)
            return z
        """
    )
    assert len(graph.blocks) == 2
    only = graph.blocks[0]
    assert only.lines == [3, 4, 7, 8]
    assert (only.start_line, only.end_line) == (3, 8)
    assert only.source == "y = x + 1\nz = (\n    y * 2\n)\nprint(y, z)\nreturn z"
    assert only.successors == [Edge(id=graph.exit, kind="return")]
    assert graph.entry == 0 and graph.exit == 1


def test_if_elif_else() -> None:
    graph = graph_of(
        """
        def sign(x):
            prefix = ""
            if x > 0:
                s = 1
            elif x < 0:
                s = -1
            else:
                s = 0
            return prefix, s
        """
    )
    assert block(graph, 'prefix = ""') == block(graph, "if x > 0:")
    assert goes(graph, "if x > 0:", "s = 1", "true")
    assert goes(graph, "if x > 0:", "elif x < 0:", "false")
    assert goes(graph, "elif x < 0:", "s = -1", "true")
    assert goes(graph, "elif x < 0:", "s = 0", "false")
    for branch in ("s = 1", "s = -1", "s = 0"):
        assert goes(graph, branch, "return prefix, s", "next")


def test_if_without_else_falls_through_on_false() -> None:
    graph = graph_of(
        """
        def f(x):
            if x:
                x = 2
            return x
        """
    )
    assert goes(graph, "if x:", "x = 2", "true")
    assert goes(graph, "if x:", "return x", "false")


def test_while_with_else_break_and_continue() -> None:
    graph = graph_of(
        """
        def f(n):
            i = 0
            while i < n:
                i += 1
                if i == 3:
                    continue
                if i == 5:
                    break
            else:
                i = -1
            return i
        """
    )
    assert goes(graph, "i = 0", "while i < n:", "next")
    assert goes(graph, "while i < n:", "i += 1", "true")
    assert goes(graph, "while i < n:", "i = -1", "loop_exit")
    assert goes(graph, "continue", "while i < n:", "continue")
    assert goes(graph, "break", "return i", "break")
    assert goes(graph, "if i == 5:", "while i < n:", "false")
    assert goes(graph, "i = -1", "return i", "next")


def test_for_loop_body_loops_back_and_exits() -> None:
    graph = graph_of(
        """
        def total(xs):
            t = 0
            for x in xs:
                t += x
            return t
        """
    )
    assert goes(graph, "for x in xs:", "t += x", "next")
    assert goes(graph, "t += x", "for x in xs:", "loop")
    assert goes(graph, "for x in xs:", "return t", "loop_exit")
    assert not graph.blocks[block(graph, "for x in xs:")].unreachable


def test_for_else_runs_only_when_the_loop_ends_normally() -> None:
    graph = graph_of(
        """
        def find(xs, y):
            for x in xs:
                if x == y:
                    break
            else:
                return None
            return x
        """
    )
    assert goes(graph, "for x in xs:", "return None", "loop_exit")
    assert goes(graph, "break", "return x", "break")
    assert not goes(graph, "return None", "return x", "next")


def test_while_true_has_no_loop_exit_and_its_else_is_unreachable() -> None:
    graph = graph_of(
        """
        def f():
            while True:
                if ready():
                    break
            else:
                never()
            return 1
        """
    )
    header = graph.blocks[block(graph, "while True:")]
    assert {e.kind for e in header.successors} == {"true"}
    assert graph.blocks[block(graph, "never()")].unreachable
    assert goes(graph, "break", "return 1", "break")


def test_code_after_return_is_a_real_unreachable_block() -> None:
    graph = graph_of(
        """
        def f():
            return 1
            x = 2
            print(x)
        """
    )
    dead = graph.blocks[block(graph, "x = 2")]
    assert dead.unreachable
    assert block(graph, "x = 2") == block(graph, "print(x)")
    assert not graph.blocks[block(graph, "return 1")].unreachable


def test_raise_goes_to_the_exit_outside_a_try() -> None:
    graph = graph_of(
        """
        def f(x):
            if x < 0:
                raise ValueError(x)
            return x
        """
    )
    assert goes(graph, "raise ValueError(x)", None, "raise")
    assert len(graph.blocks[block(graph, "raise ValueError(x)")].successors) == 1


def test_try_except_else_finally() -> None:
    graph = graph_of(
        """
        def f(path):
            setup()
            try:
                data = read(path)
            except FileNotFoundError:
                data = None
            except (OSError, ValueError) as error:
                log(error)
                raise
            else:
                data = data.strip()
            finally:
                close()
            return data
        """
    )
    body = block(graph, "data = read(path)")
    assert block(graph, "try:") == body
    assert body != block(graph, "setup()")
    assert goes(graph, "data = read(path)", "except FileNotFoundError:", "exception")
    assert goes(graph, "data = read(path)", "except (OSError, ValueError) as error:", "exception")
    # Neither handler catches everything, so the finally sees the rest.
    assert goes(graph, "data = read(path)", "close()", "exception")
    assert goes(graph, "data = read(path)", "data = data.strip()", "next")
    assert not goes(graph, "data = data.strip()", "except FileNotFoundError:", "exception")
    assert block(graph, "except FileNotFoundError:") == block(graph, "data = None")
    assert goes(graph, "data = None", "close()", "next")
    assert goes(graph, "raise", "close()", "raise")
    assert goes(graph, "data = data.strip()", "close()", "next")
    assert goes(graph, "close()", "return data", "next")
    assert goes(graph, "close()", None, "raise")


def test_a_bare_except_catches_everything() -> None:
    graph = graph_of(
        """
        def f():
            try:
                risky()
            except:
                pass
        """
    )
    risky = {
        e.id for e in graph.blocks[block(graph, "risky()")].successors if e.kind == "exception"
    }
    assert risky == {block(graph, "except:")}


def test_return_through_finally() -> None:
    graph = graph_of(
        """
        def f(x):
            try:
                return x
            finally:
                cleanup()
        """
    )
    assert goes(graph, "return x", "cleanup()", "finally")
    assert goes(graph, "cleanup()", None, "return")
    assert goes(graph, "cleanup()", None, "raise")
    # Nothing falls into the finally, so it does not fall out of it either.
    assert not goes(graph, "cleanup()", None, "next")


def test_return_inside_finally_overrides() -> None:
    graph = graph_of(
        """
        def f(x):
            try:
                return x
            finally:
                return 2
        """
    )
    assert goes(graph, "return x", "return 2", "finally")
    assert edges(graph, "return 2") == {(graph.exit, "return")}


def test_break_and_continue_through_finally() -> None:
    graph = graph_of(
        """
        def f(items):
            for item in items:
                try:
                    if item:
                        break
                    continue
                finally:
                    release()
            done()
        """
    )
    assert goes(graph, "break", "release()", "finally")
    assert goes(graph, "continue", "release()", "finally")
    assert goes(graph, "release()", "done()", "break")
    assert goes(graph, "release()", "for item in items:", "continue")


def test_break_inside_finally_leaves_the_loop() -> None:
    graph = graph_of(
        """
        def f(items):
            for item in items:
                try:
                    work(item)
                finally:
                    break
            return 0
        """
    )
    assert goes(graph, "break", "return 0", "break")
    assert goes(graph, "work(item)", "break", "exception")


def test_nested_finally_passes_a_return_outward() -> None:
    graph = graph_of(
        """
        def f():
            try:
                try:
                    return 1
                finally:
                    inner()
            finally:
                outer()
        """
    )
    assert goes(graph, "return 1", "inner()", "finally")
    assert goes(graph, "inner()", "outer()", "finally")
    assert goes(graph, "outer()", None, "return")


def test_except_star_handlers_each_take_their_share() -> None:
    graph = graph_of(
        """
        def f():
            try:
                run()
            except* ValueError:
                a()
            except* TypeError:
                b()
            after()
        """
    )
    assert goes(graph, "run()", "except* ValueError:", "exception")
    assert goes(graph, "run()", "except* TypeError:", "exception")
    assert goes(graph, "a()", "except* TypeError:", "exception")
    assert goes(graph, "a()", "after()", "next")


def test_with_does_not_branch() -> None:
    graph = graph_of(
        """
        async def f(path):
            x = 1
            with open(path) as handle, lock:
                data = handle.read()
            async with session() as s:
                await s.send(data)
            return data
        """
    )
    ids = {
        block(graph, text)
        for text in (
            "x = 1",
            "with open(path) as handle, lock:",
            "data = handle.read()",
            "async with session() as s:",
            "await s.send(data)",
            "return data",
        )
    }
    assert len(ids) == 1


def test_async_for_loops() -> None:
    graph = graph_of(
        """
        async def f(stream):
            async for item in stream:
                await handle(item)
        """
    )
    assert goes(graph, "async for item in stream:", "await handle(item)", "next")
    assert goes(graph, "await handle(item)", "async for item in stream:", "loop")
    assert goes(graph, "async for item in stream:", None, "loop_exit")


def test_match_tries_each_case_in_turn() -> None:
    graph = graph_of(
        """
        def f(command):
            match command:
                case [x, y] if x > y:
                    return x
                case {"key": value}:
                    return value
                case Point(x=0) | Point(y=0):
                    return 0
            return None
        """
    )
    assert goes(graph, "match command:", "case [x, y] if x > y:", "case")
    assert goes(graph, "case [x, y] if x > y:", "return x", "true")
    assert goes(graph, "case [x, y] if x > y:", 'case {"key": value}:', "case")
    assert goes(graph, 'case {"key": value}:', "case Point(x=0) | Point(y=0):", "case")
    assert goes(graph, "case Point(x=0) | Point(y=0):", "return None", "false")


def test_a_wildcard_case_always_matches() -> None:
    graph = graph_of(
        """
        def f(value):
            match value:
                case 1:
                    r = "one"
                case _:
                    r = "other"
            return r
        """
    )
    wildcard = graph.blocks[block(graph, "case _:")]
    assert {e.kind for e in wildcard.successors} == {"true"}


def test_assert_may_fail() -> None:
    graph = graph_of(
        """
        def f(x):
            y = x
            assert y > 0, "positive"
            return y
        """
    )
    assert block(graph, "y = x") == block(graph, 'assert y > 0, "positive"')
    assert goes(graph, 'assert y > 0, "positive"', "return y", "next")
    assert goes(graph, 'assert y > 0, "positive"', None, "assert_fail")


def test_assert_inside_try_fails_to_the_handler() -> None:
    graph = graph_of(
        """
        def f(x):
            try:
                assert x
            except AssertionError:
                x = 0
            return x
        """
    )
    assert goes(graph, "assert x", "except AssertionError:", "assert_fail")


def test_yield_and_await_do_not_split_blocks() -> None:
    graph = graph_of(
        """
        def gen(n):
            a = yield n
            b = yield from range(a)
            return b
        """
    )
    assert len(graph.blocks) == 2


def test_global_nonlocal_pass_and_ellipsis_are_statements_of_their_block() -> None:
    graph = graph_of(
        """
        def outer():
            count = 0
            def inner():
                nonlocal count
                global total
                count += 1
                ...
            pass
            return inner
        """,
        "outer.<locals>.inner",
    )
    assert len(graph.blocks) == 2
    assert graph.blocks[0].source == "nonlocal count\nglobal total\ncount += 1\n..."


def test_nested_functions_methods_and_classes_are_units_of_their_own() -> None:
    source = textwrap.dedent(
        """
        import functools

        @functools.cache
        def top(x):
            def helper(y):
                return lambda z: y + z
            return helper(x)

        class Shape:
            sides = 0

            @property
            def area(self):
                return 0

            async def draw(self):
                class Pen:
                    def ink(self):
                        return 1
                return Pen
        """
    )
    graphs = ldb.blocks(source)
    assert check(source, graphs) == []
    assert [(g.name, g.qualname, g.start_line) for g in graphs] == [
        ("<module>", "<module>", 1),
        ("top", "top", 4),
        ("helper", "top.<locals>.helper", 6),
        ("Shape", "Shape", 10),
        ("area", "Shape.area", 13),
        ("draw", "Shape.draw", 17),
        ("Pen", "Shape.draw.<locals>.Pen", 18),
        ("ink", "Shape.draw.<locals>.Pen.ink", 19),
    ]
    module = graphs[0]
    assert module.blocks[0].source.splitlines() == [
        "import functools",
        "@functools.cache",
        "def top(x):",
        "class Shape:",
    ]
    shape = graphs[3]
    assert shape.blocks[0].source.splitlines() == [
        "sides = 0",
        "@property",
        "def area(self):",
        "async def draw(self):",
    ]


def test_lambdas_and_comprehensions_stay_in_their_statement() -> None:
    graph = graph_of(
        """
        def f(xs):
            key = lambda x: -x if x else x
            ys = [y for y in xs if y]
            return sorted(ys, key=key)
        """
    )
    assert len(graph.blocks) == 2


def test_one_line_compound_statements_are_told_apart_by_columns() -> None:
    graph = graph_of(
        """
        def f(x):
            if x: return 1
            while x: x -= 1
            return x; x = 3
        """
    )
    test, body = block(graph, "if x:"), block(graph, "return 1")
    assert test != body
    assert graph.blocks[test].lines == graph.blocks[body].lines == [3]
    test_span = graph.blocks[test].spans[0]
    body_span = graph.blocks[body].spans[0]
    assert (test_span.line, test_span.col, test_span.end_col) == (3, 4, 9)
    assert (body_span.line, body_span.col) == (3, 10)
    assert goes(graph, "while x:", "x -= 1", "true")
    assert graph.blocks[block(graph, "x = 3")].unreachable


def test_semicolon_joined_statements_render_on_one_line() -> None:
    graph = graph_of(
        """
        def f():
            a = 1; b = 2
            return a + b
        """
    )
    assert graph.blocks[0].source == "a = 1; b = 2\nreturn a + b"
    assert graph.blocks[0].lines == [3, 3, 4]


SIGNATURE = """
def f(
    a,
    b,
):
    if (a and
            b):  # both
        return a
"""


def test_multi_line_headers_keep_their_closing_lines() -> None:
    graph = graph_of(SIGNATURE)
    header = graph.blocks[block(graph, "if (a and")]
    assert header.source == "if (a and\n        b):  # both"
    assert (header.start_line, header.end_line) == (6, 7)
    definition = ldb.blocks(textwrap.dedent(SIGNATURE))[0].blocks[0]
    assert definition.source == "def f(\n    a,\n    b,\n):"


def test_non_ascii_text_keeps_byte_columns_and_renders_whole() -> None:
    graph = graph_of(
        """
        def f(naïve):
            if naïve: return "é"
            return "ü"
        """
    )
    assert graph.blocks[block(graph, 'return "é"')].spans[0].col == len("    if naïve: ".encode())
    assert graph.blocks[block(graph, "if naïve:")].source == "if naïve:"


def test_module_code_is_a_unit() -> None:
    graph = graph_of(
        """
        import sys
        if __name__ == "__main__":
            sys.exit(main())
        """,
        "<module>",
    )
    assert graph.name == "<module>"
    assert goes(graph, 'if __name__ == "__main__":', "sys.exit(main())", "true")


def test_an_empty_module_has_only_its_exit() -> None:
    graph = ldb.blocks("")[0]
    assert graph.entry == graph.exit == 0
    assert len(graph.blocks) == 1 and graph.blocks[0].source == ""


def test_infinite_loop_makes_the_exit_unreachable() -> None:
    graph = graph_of(
        """
        def serve():
            while True:
                handle()
        """
    )
    assert graph.blocks[graph.exit].unreachable


def test_ids_are_stable_across_runs() -> None:
    source = textwrap.dedent(
        """
        def f(x):
            try:
                for i in range(x):
                    if i: break
            finally:
                pass
            return x
        """
    )
    first = [g.model_dump() for g in ldb.blocks(source)]
    assert first == [g.model_dump() for g in ldb.blocks(source)]


def test_dump_has_exactly_the_documented_fields() -> None:
    graph = ldb.blocks("def f(x):\n    return x\n")[1]
    dumped = graph.model_dump()
    assert set(dumped) == {"name", "qualname", "start_line", "entry", "exit", "blocks"}
    for entry in dumped["blocks"]:
        assert set(entry) == {
            "id",
            "start_line",
            "end_line",
            "lines",
            "source",
            "unreachable",
            "successors",
        }
        for edge in entry["successors"]:
            assert set(edge) == {"id", "kind"}
    assert dumped["blocks"][-1] == {
        "id": 1,
        "start_line": None,
        "end_line": None,
        "lines": [],
        "source": "",
        "unreachable": False,
        "successors": [],
    }


def test_to_networkx_carries_blocks_and_edge_kinds() -> None:
    graph = graph_of(
        """
        def f(x):
            if x:
                return 1
            return 2
        """
    )
    digraph = graph.to_networkx()
    assert isinstance(digraph, nx.DiGraph)
    assert sorted(digraph.nodes) == [b.id for b in graph.blocks]
    assert digraph.nodes[0]["block"] is graph.blocks[0]
    assert digraph.edges[0, 1]["kind"] == "true"
    assert nx.has_path(digraph, graph.entry, graph.exit)


def test_syntax_errors_are_typed_and_located() -> None:
    with pytest.raises(ldb.SourceSyntaxError) as caught:
        ldb.blocks("def f(:\n    pass\n", "prog.py")
    error = caught.value
    assert (error.filename, error.line, error.column) == ("prog.py", 1, 7)
    assert str(error).startswith("prog.py:1:7: syntax error:")
    with pytest.raises(ldb.SourceSyntaxError):
        ldb.blocks("x = 1\0")


def test_the_invariant_checker_catches_a_broken_graph() -> None:
    source = "def f(x):\n    a = 1\n    b = 2\n    return a\n"
    graph = ldb.blocks(source)[1]
    whole = graph.blocks[0]
    split = [
        whole.model_copy(
            update={"lines": [2], "spans": whole.spans[:1], "successors": [Edge(id=1, kind="next")]}
        ),
        whole.model_copy(
            update={
                "id": 1,
                "start_line": 3,
                "lines": [3, 4],
                "spans": whole.spans[1:],
                "unreachable": True,
                "successors": [Edge(id=9, kind="return")],
            }
        ),
        graph.blocks[1].model_copy(update={"id": 2}),
    ]
    broken = graph.model_copy(update={"blocks": split, "exit": 2})
    problems = list(check_graph(broken))
    assert "block 0 has an edge to 9, outside the graph" not in problems
    assert "block 1 has an edge to 9, outside the graph" in problems
    assert "block 1 is marked unreachable but is not" in problems
    modules = ldb.blocks(source)[:1]
    assert any("split" in p for p in check(source, [*modules, broken]))


def test_warnings_about_the_program_are_not_errors() -> None:
    # pytest runs with warnings as errors: an invalid escape sequence must not fail the build.
    graph = graph_of('def f():\n    return "\\d"\n')
    assert graph.blocks[0].source == 'return "\\d"'
