"""The control-flow graph builder against nasty, realistic programs: deep nesting of `try`,
loops and `match`, source-text quirks (tabs, form feeds, `\\r\\n`, non-ASCII, one-liners) and
large generated functions."""

from __future__ import annotations

import ast
import sys
import textwrap

import pytest

import ldb
from ldb.models import FunctionGraph
from tests.helpers.cfg_invariants import check
from tests.helpers.cfg_lookup import block, edges, goes, graph_of


def graphs_of(source: str) -> list[FunctionGraph]:
    """Every graph of a program taken verbatim (no dedent), checked against the invariants."""
    graphs = ldb.blocks(source)
    assert check(source, graphs) == []
    return graphs


def unit(graphs: list[FunctionGraph], qualname: str) -> FunctionGraph:
    found = [graph for graph in graphs if graph.qualname == qualname]
    assert len(found) == 1, [graph.qualname for graph in graphs]
    return found[0]


def block_at(graph: FunctionGraph, line: int, col: int) -> int:
    """The id of the block holding the element that starts at (line, byte column)."""
    found = [b.id for b in graph.blocks for s in b.spans if (s.line, s.col) == (line, col)]
    assert len(found) == 1, f"({line}, {col}) found in blocks {found}"
    return found[0]


def by_source(graph: FunctionGraph) -> dict[str, int]:
    """Block ids by their whole source, for large graphs of distinct one-line blocks."""
    ids: dict[str, int] = {}
    for b in graph.blocks:
        ids.setdefault(b.source, b.id)
    return ids


def kinds(graph: FunctionGraph, source: int, target: int) -> set[str]:
    return {e.kind for e in graph.blocks[source].successors if e.id == target}


def targets(graph: FunctionGraph, text: str, kind: str) -> set[int]:
    return {target for target, edge_kind in edges(graph, text) if edge_kind == kind}


def unreachable(graph: FunctionGraph, text: str) -> bool:
    return graph.blocks[block(graph, text)].unreachable


# try / except / finally


def test_try_finally_nested_in_loops_in_try_except() -> None:
    graph = graph_of(
        """
        def f(items):
            try:
                for item in items:
                    try:
                        try:
                            work(item)
                        finally:
                            if item:
                                continue
                            tidy(item)
                    except KeyError:
                        return None
                    finally:
                        log(item)
            except Exception as error:
                try:
                    recover(error)
                except OSError:
                    raise RuntimeError("x") from error
                finally:
                    note()
            else:
                return 1
            finally:
                close()
            return 2
        """
    )
    # The innermost finally is outside its own try but inside the middle one.
    assert targets(graph, "if item:", "exception") == {
        block(graph, "except KeyError:"),
        block(graph, "log(item)"),
    }
    # `continue` in a finally still passes through the enclosing finally first.
    assert edges(graph, "continue") >= {(block(graph, "log(item)"), "finally")}
    assert goes(graph, "tidy(item)", "log(item)", "next")
    assert goes(graph, "tidy(item)", "except KeyError:", "raise")
    assert goes(graph, "tidy(item)", "log(item)", "raise")
    assert goes(graph, "return None", "log(item)", "finally")
    # The middle finally leaves by every way that entered it.
    assert goes(graph, "log(item)", "for item in items:", "loop")
    assert goes(graph, "log(item)", "for item in items:", "continue")
    assert goes(graph, "log(item)", "close()", "finally")
    assert goes(graph, "log(item)", "except Exception as error:", "raise")
    assert goes(graph, "log(item)", "close()", "raise")
    assert goes(graph, "for item in items:", "return 1", "loop_exit")
    # A try inside a handler: its exceptions go to its own handler and finally only.
    assert targets(graph, "recover(error)", "exception") == {
        block(graph, "except OSError:"),
        block(graph, "note()"),
    }
    assert edges(graph, 'raise RuntimeError("x") from error') >= {(block(graph, "note()"), "raise")}
    assert goes(graph, "note()", "close()", "next")
    assert goes(graph, "note()", "close()", "raise")
    assert goes(graph, "return 1", "close()", "finally")
    assert edges(graph, "close()") == {
        (block(graph, "return 2"), "next"),
        (graph.exit, "raise"),
        (graph.exit, "return"),
    }


def test_continue_in_finally_swallows_a_return_and_raise_in_finally_escapes() -> None:
    graph = graph_of(
        """
        def g(xs):
            for x in xs:
                try:
                    if x:
                        return x
                finally:
                    continue
            try:
                step()
            finally:
                raise Stop()
        """
    )
    assert goes(graph, "return x", "continue", "finally")
    assert edges(graph, "continue") == {(block(graph, "for x in xs:"), "continue")}
    # The exception raised inside a finally is not caught by that same try.
    assert edges(graph, "raise Stop()") == {(graph.exit, "raise")}
    assert goes(graph, "step()", "raise Stop()", "next")
    assert goes(graph, "step()", "raise Stop()", "exception")
    assert not goes(graph, "for x in xs:", None, "return")


def test_return_in_a_handler_goes_through_the_finally() -> None:
    graph = graph_of(
        """
        def f(x):
            try:
                value = compute(x)
            except ValueError:
                return None
            except BaseException:
                log()
                raise
            finally:
                release()
            return value
        """
    )
    assert targets(graph, "value = compute(x)", "exception") == {
        block(graph, "except ValueError:"),
        block(graph, "except BaseException:"),
    }  # `except BaseException` catches everything: the body's exceptions stop there
    assert goes(graph, "return None", "release()", "finally")
    assert goes(graph, "raise", "release()", "raise")
    assert edges(graph, "release()") == {
        (block(graph, "return value"), "next"),
        (graph.exit, "raise"),
        (graph.exit, "return"),
    }


def test_raise_inside_an_inner_finally_reaches_the_outer_handler() -> None:
    graph = graph_of(
        """
        def f():
            try:
                try:
                    a()
                finally:
                    raise Inner()
            except Inner:
                b()
            except:
                c()
            d()
        """
    )
    handlers = {block(graph, "except Inner:"), block(graph, "except:")}
    # The finally is still inside the outer try's body: its block may raise to the handlers
    # implicitly too, and the bare `except:` stops everything before the exit.
    assert targets(graph, "raise Inner()", "raise") == handlers
    assert targets(graph, "raise Inner()", "exception") == handlers
    assert goes(graph, "a()", "raise Inner()", "exception")
    assert goes(graph, "b()", "d()", "next")
    assert goes(graph, "c()", "d()", "next")


def test_try_with_only_finally() -> None:
    graph = graph_of(
        """
        def f(lock):
            lock.acquire()
            try:
                work()
            finally:
                lock.release()
            return 1
        """
    )
    assert block(graph, "lock.acquire()") != block(graph, "try:")
    assert block(graph, "try:") == block(graph, "work()")
    assert edges(graph, "work()") == {
        (block(graph, "lock.release()"), "next"),
        (block(graph, "lock.release()"), "exception"),
    }
    assert edges(graph, "lock.release()") == {
        (block(graph, "return 1"), "next"),
        (graph.exit, "raise"),
    }


def test_try_except_inside_an_except_handler() -> None:
    graph = graph_of(
        """
        def h():
            try:
                pass
            except A:
                try:
                    fix()
                except B:
                    raise
            after()
        """
    )
    assert targets(graph, "pass", "exception") == {block(graph, "except A:"), graph.exit}
    assert goes(graph, "except A:", "fix()", "next")
    assert targets(graph, "fix()", "exception") == {block(graph, "except B:"), graph.exit}
    # Nothing encloses the handler, so its `raise` leaves the function.
    assert edges(graph, "raise") == {(graph.exit, "raise")}
    assert goes(graph, "fix()", "after()", "next")


def test_else_of_a_try_whose_body_returns_is_unreachable() -> None:
    graph = graph_of(
        """
        def f(x):
            try:
                return compute(x)
            except ValueError:
                return None
            else:
                dead()
            after()
        """
    )
    assert unreachable(graph, "dead()")
    assert unreachable(graph, "after()")
    assert goes(graph, "return compute(x)", None, "return")
    assert goes(graph, "return compute(x)", "except ValueError:", "exception")
    # The else is outside the protected body: it has no exception edges of its own.
    assert edges(graph, "dead()") == {(block(graph, "after()"), "next")}


def test_break_from_a_handler_skips_the_loop_else_through_the_finally() -> None:
    graph = graph_of(
        """
        def f(jobs):
            while jobs:
                try:
                    jobs.pop()()
                except StopIteration:
                    break
                else:
                    continue
                finally:
                    count()
            else:
                drained()
            return jobs
        """
    )
    assert goes(graph, "break", "count()", "finally")
    assert goes(graph, "continue", "count()", "finally")
    assert goes(graph, "count()", "return jobs", "break")
    assert goes(graph, "count()", "while jobs:", "continue")
    assert goes(graph, "count()", None, "raise")
    assert goes(graph, "while jobs:", "drained()", "loop_exit")
    # Nothing falls out of the try normally: the else always continues.
    assert not goes(graph, "count()", "while jobs:", "loop")


def nested_loops_and_finally(depth: int) -> str:
    """`depth` loops, each with a try/finally round its body, a return, a continue and a call
    innermost."""
    lines = ["def f(xs):"]
    for level in range(depth):
        pad = "    " * (1 + 2 * level)
        lines += [f"{pad}for x{level} in xs:", f"{pad}    try:"]
    pad = "    " * (1 + 2 * depth)
    last = depth - 1
    lines += [f"{pad}if x{last}:", f"{pad}    return x{last}"]
    lines += [f"{pad}if not x0:", f"{pad}    continue", f"{pad}work()"]
    for level in reversed(range(depth)):
        pad = "    " * (2 + 2 * level)
        lines += [f"{pad}finally:", f"{pad}    cleanup{level}()"]
    lines.append("    return None")
    return "\n".join(lines) + "\n"


def test_a_return_passes_through_forty_nested_finally_bodies() -> None:
    depth = 40
    graph = unit(graphs_of(nested_loops_and_finally(depth)), "f")
    last = depth - 1
    assert goes(graph, f"return x{last}", f"cleanup{last}()", "finally")
    assert goes(graph, "continue", f"cleanup{last}()", "finally")
    assert goes(graph, "work()", f"cleanup{last}()", "next")
    assert goes(graph, f"cleanup{last}()", f"for x{last} in xs:", "continue")
    for level in range(1, depth):
        cleanup = f"cleanup{level}()"
        assert goes(graph, cleanup, f"cleanup{level - 1}()", "finally")
        assert goes(graph, cleanup, f"cleanup{level - 1}()", "raise")
        assert goes(graph, cleanup, f"for x{level} in xs:", "loop")
        assert goes(graph, f"for x{level} in xs:", f"cleanup{level - 1}()", "loop_exit")
    assert goes(graph, "cleanup0()", None, "return")
    assert goes(graph, "cleanup0()", None, "raise")
    assert goes(graph, "for x0 in xs:", "return None", "loop_exit")
    assert not any(b.unreachable for b in graph.blocks)


# match


def test_match_in_a_loop_with_or_class_patterns_guards_break_and_continue() -> None:
    graph = graph_of(
        """
        def run(events):
            for event in events:
                match event:
                    case {"type": "quit"} | ["quit", *_]:
                        break
                    case Click(x=0 | 1, y=(2 | 3) as y) if y > 2:
                        continue
                    case Key(name=str() as name) | Key(code=int(name)):
                        handle(name)
                    case [Point(x=0), *rest] if rest:
                        pass
                    case other:
                        log(other)
            else:
                finish()
            return None
        """
    )
    quit_case = 'case {"type": "quit"} | ["quit", *_]:'
    click = "case Click(x=0 | 1, y=(2 | 3) as y) if y > 2:"
    key = "case Key(name=str() as name) | Key(code=int(name)):"
    point = "case [Point(x=0), *rest] if rest:"
    assert edges(graph, "match event:") == {(block(graph, quit_case), "case")}
    assert goes(graph, quit_case, "break", "true")
    assert goes(graph, quit_case, click, "case")
    assert goes(graph, click, "continue", "true")
    assert goes(graph, click, key, "case")
    assert goes(graph, key, point, "case")
    assert goes(graph, point, "case other:", "case")
    assert edges(graph, "case other:") == {(block(graph, "log(other)"), "true")}
    assert goes(graph, "break", "return None", "break")
    assert goes(graph, "continue", "for event in events:", "continue")
    for body in ("handle(name)", "pass", "log(other)"):
        assert goes(graph, body, "for event in events:", "loop")
    assert goes(graph, "for event in events:", "finish()", "loop_exit")
    spans = graph.blocks[block(graph, click)].spans
    assert [(s.line, s.col, s.end_line, s.end_col, s.kind) for s in spans] == [
        (7, 12, 7, 57, "header")
    ]


def test_a_guarded_capture_is_refutable_and_an_as_wrapped_wildcard_is_not() -> None:
    graph = graph_of(
        """
        def f(v):
            match v:
                case (1 | 2) as n if n:
                    return n
                case x if x is None:
                    return 0
                case (_ as whole):
                    return whole
                case 3:
                    return 3
        """
    )
    assert goes(graph, "case (1 | 2) as n if n:", "case x if x is None:", "case")
    assert goes(graph, "case x if x is None:", "case (_ as whole):", "case")
    assert edges(graph, "case (_ as whole):") == {(block(graph, "return whole"), "true")}
    assert unreachable(graph, "case 3:")
    assert unreachable(graph, "return 3")
    assert not graph.blocks[graph.exit].unreachable


def test_an_irrefutable_capture_leaves_later_cases_unreachable() -> None:
    # The compiler rejects this ("name capture 'y' makes remaining patterns unreachable"), but
    # `ast.parse` accepts it, so ldb draws it.
    graph = graph_of(
        """
        def f(x):
            match x:
                case y:
                    a()
                case 1:
                    b()
            c()
        """
    )
    assert edges(graph, "case y:") == {(block(graph, "a()"), "true")}
    assert unreachable(graph, "case 1:")
    assert unreachable(graph, "b()")
    assert goes(graph, "a()", "c()", "next")
    assert not unreachable(graph, "c()")


def test_patterns_inside_a_try_body_can_raise_to_the_handler() -> None:
    graph = graph_of(
        """
        def f(x):
            try:
                match x:
                    case Point(x=0):
                        return 0
                    case _:
                        return 1
            except TypeError:
                return -1
        """
    )
    handler = block(graph, "except TypeError:")
    assert block(graph, "try:") == block(graph, "match x:")
    for text in ("match x:", "case Point(x=0):", "case _:", "return 0"):
        assert (handler, "exception") in edges(graph, text)
    assert edges(graph, "case _:") >= {(block(graph, "return 1"), "true")}
    assert not goes(graph, "case _:", None, "false")


def test_patterns_spread_over_lines_are_still_tried_in_turn() -> None:
    graph = graph_of(
        """
        def f(cmd):
            match cmd:
                case Point(
                    x=0,
                ):
                    return 3
                case (
                    "go"
                    | "run"
                ):
                    return 1
        """
    )
    point = block(graph, "case Point(")
    assert edges(graph, "match cmd:") == {(point, "case")}
    assert graph.blocks[point].source == "case Point(\n    x=0,\n):"
    (words,) = targets(graph, "case Point(", "case")
    assert goes(graph, "case Point(", "return 3", "true")
    assert kinds(graph, words, block(graph, "return 1")) == {"true"}
    assert kinds(graph, words, graph.exit) == {"false"}


def test_the_header_of_a_pattern_on_the_next_line_starts_at_case() -> None:
    graph = graph_of(
        """
        def f(cmd):
            match cmd:
                case (
                    "go"
                    | "run"
                ):
                    return 1
                case _:
                    return 0
        """
    )
    (pattern,) = targets(graph, "match cmd:", "case")
    span = graph.blocks[pattern].spans[0]
    assert (span.line, span.col, span.end_line, span.end_col) == (4, 8, 7, 10)
    assert graph.blocks[pattern].source == 'case (\n    "go"\n    | "run"\n):'


# loops


def test_loop_else_when_the_body_always_breaks_or_always_returns() -> None:
    graph = graph_of(
        """
        def f(xs):
            for x in xs:
                break
            else:
                a()
            while cond():
                return 1
            else:
                b()
            return 2
        """
    )
    assert edges(graph, "for x in xs:") == {
        (block(graph, "break"), "next"),
        (block(graph, "a()"), "loop_exit"),
    }
    assert goes(graph, "break", "while cond():", "break")
    assert goes(graph, "a()", "while cond():", "next")
    assert edges(graph, "while cond():") == {
        (block(graph, "return 1"), "true"),
        (block(graph, "b()"), "loop_exit"),
    }
    # The body never loops back.
    assert not any(e.kind == "loop" for b in graph.blocks for e in b.successors)
    assert goes(graph, "b()", "return 2", "next")


def test_break_out_of_an_inner_loop_and_continue_from_its_else() -> None:
    graph = graph_of(
        """
        def f(xs, ys):
            for x in xs:
                for y in ys:
                    if y:
                        break
                else:
                    continue
                break
            return x
        """
    )
    assert goes(graph, "if y:", "for y in ys:", "false")
    # Two `break`s: told apart by position.
    inner_break = block_at(graph, 6, 16)
    outer_break = block_at(graph, 9, 8)
    assert graph.blocks[inner_break].successors[0].kind == "break"
    assert {(e.id, e.kind) for e in graph.blocks[inner_break].successors} == {
        (outer_break, "break")
    }
    assert goes(graph, "for y in ys:", "continue", "loop_exit")
    assert goes(graph, "continue", "for x in xs:", "continue")
    assert {(e.id, e.kind) for e in graph.blocks[outer_break].successors} == {
        (block(graph, "return x"), "break")
    }


def test_loops_whose_body_is_only_pass_or_ellipsis() -> None:
    graph = graph_of(
        """
        def f(xs, n):
            while n: pass
            for _ in xs:
                ...
            return n
        """
    )
    loop_pass = block_at(graph, 3, 13)
    assert (loop_pass, "true") in edges(graph, "while n:")
    assert {(e.id, e.kind) for e in graph.blocks[loop_pass].successors} == {
        (block(graph, "while n:"), "loop")
    }
    assert goes(graph, "while n:", "for _ in xs:", "loop_exit")
    assert goes(graph, "for _ in xs:", "...", "next")
    assert goes(graph, "...", "for _ in xs:", "loop")
    assert goes(graph, "for _ in xs:", "return n", "loop_exit")


def test_a_break_of_a_nested_loop_does_not_end_while_true() -> None:
    graph = graph_of(
        """
        def serve(queue):
            while True:
                for item in queue:
                    break
                tick()
            shutdown()
        """
    )
    assert goes(graph, "break", "tick()", "break")
    assert goes(graph, "for item in queue:", "tick()", "loop_exit")
    assert goes(graph, "tick()", "while True:", "loop")
    assert unreachable(graph, "shutdown()")
    assert graph.blocks[graph.exit].unreachable
    assert graph.blocks[block(graph, "while True:")].spans[0].kind == "passive"


def test_constant_tests_other_than_while_true_are_not_folded() -> None:
    graph = graph_of(
        """
        def f():
            if True:
                a()
            else:
                b()
            while False:
                c()
            return 0
        """
    )
    assert edges(graph, "if True:") == {
        (block(graph, "a()"), "true"),
        (block(graph, "b()"), "false"),
    }
    assert not unreachable(graph, "b()")
    assert edges(graph, "while False:") == {
        (block(graph, "c()"), "true"),
        (block(graph, "return 0"), "loop_exit"),
    }
    assert not unreachable(graph, "c()")
    assert graph.blocks[block(graph, "while False:")].spans[0].kind == "header"


# definitions


def test_decorated_nested_function_and_class_spanning_lines() -> None:
    source = textwrap.dedent(
        '''
        def outer(flag):
            @decorator(
                option=True,  # first
            )
            # between
            @other
            def inner(
                a,  # the a
                b=lambda x=1: x,
            ) -> int:
                """Only a docstring."""
            @dataclass(
                frozen=True,
            )
            class Config(
                Base,
                metaclass=Meta,
            ):
                if flag:
                    mode = "fast"
                else:
                    mode = "slow"
                for name in NAMES:
                    setattr(name)
                def method(self): return 1
            return inner, Config
        '''
    )
    graphs = graphs_of(source)
    assert [(g.qualname, g.start_line) for g in graphs] == [
        ("<module>", 1),
        ("outer", 2),
        ("outer.<locals>.inner", 3),
        ("outer.<locals>.Config", 13),
        ("outer.<locals>.Config.method", 26),
    ]
    outer = unit(graphs, "outer")
    assert len(outer.blocks) == 2
    assert outer.blocks[0].source == textwrap.dedent(
        """\
        @decorator(
            option=True,  # first
        )
        # between
        @other
        def inner(
            a,  # the a
            b=lambda x=1: x,
        ) -> int:
        @dataclass(
            frozen=True,
        )
        class Config(
            Base,
            metaclass=Meta,
        ):
        return inner, Config"""
    )
    assert [(s.line, s.end_line, s.kind) for s in outer.blocks[0].spans] == [
        (3, 11, "statement"),
        (13, 19, "statement"),
        (27, 27, "statement"),
    ]
    inner = unit(graphs, "outer.<locals>.inner")
    assert inner.blocks[0].source == '"""Only a docstring."""'
    assert inner.blocks[0].successors[0].kind == "next"
    config = unit(graphs, "outer.<locals>.Config")
    assert goes(config, "if flag:", 'mode = "fast"', "true")
    assert goes(config, "if flag:", 'mode = "slow"', "false")
    assert goes(config, 'mode = "fast"', "for name in NAMES:", "next")
    assert goes(config, "for name in NAMES:", "def method(self):", "loop_exit")
    assert goes(config, "def method(self):", None, "next")
    method = unit(graphs, "outer.<locals>.Config.method")
    assert method.blocks[0].source == "return 1"
    assert method.blocks[0].spans[0].col == len("        def method(self): ")


def test_lambda_defaults_stay_in_the_definition_header() -> None:
    graphs = graphs_of(
        "def pick(key=lambda item: item[0], *, default=lambda: None, **extra):\n"
        "    return key, default\n"
    )
    module = unit(graphs, "<module>")
    assert module.blocks[0].source == (
        "def pick(key=lambda item: item[0], *, default=lambda: None, **extra):"
    )
    assert module.blocks[0].spans[0].end_col == 69
    assert len(unit(graphs, "pick").blocks) == 2


def test_docstring_only_function_and_one_line_definitions() -> None:
    graphs = graphs_of(
        'def documented():\n    """Nothing else."""\ndef one(): return 1\nclass Empty: ...\n'
    )
    module = unit(graphs, "<module>")
    assert module.blocks[0].source == "def documented():\ndef one():\nclass Empty:"
    assert [(s.line, s.col, s.end_col) for s in module.blocks[0].spans] == [
        (1, 0, 17),
        (3, 0, 10),
        (4, 0, 12),
    ]
    documented = unit(graphs, "documented")
    assert [b.source for b in documented.blocks] == ['"""Nothing else."""', ""]
    one = unit(graphs, "one")
    assert one.blocks[0].source == "return 1"
    assert one.blocks[0].successors[0].kind == "return"
    assert one.blocks[0].spans[0].col == 11
    assert unit(graphs, "Empty").blocks[0].source == "..."


def test_the_header_of_a_parameterless_definition_ends_at_its_colon() -> None:
    graphs = graphs_of(
        "def f():\n    return 1\n"
        "async def sync():\n    pass\n"
        "class s:\n    pass\n"
        "@cache\ndef e(): return 2\n"
    )
    module = unit(graphs, "<module>")
    assert module.blocks[0].source == "def f():\nasync def sync():\nclass s:\n@cache\ndef e():"
    assert [s.end_col for s in module.blocks[0].spans] == [8, 17, 8, 8]


def test_the_header_of_a_definition_with_a_normalised_name_ends_at_its_colon() -> None:
    graphs = graphs_of("def to_µs():\n    pass\n")
    assert unit(graphs, "to_μs").start_line == 1
    module = unit(graphs, "<module>")
    assert module.blocks[0].source == "def to_µs():"
    assert module.blocks[0].spans[0].end_col == len("def to_µs():".encode())


# source text quirks


def test_one_line_if_and_else_with_pass_are_told_apart_by_columns() -> None:
    graph = graph_of(
        """
        def f(x):
            if x: pass
            else: pass
            return x
        """
    )
    then, otherwise = block_at(graph, 3, 10), block_at(graph, 4, 10)
    assert then != otherwise
    assert edges(graph, "if x:") == {(then, "true"), (otherwise, "false")}
    for branch in (then, otherwise):
        assert graph.blocks[branch].source == "pass"
        assert {(e.id, e.kind) for e in graph.blocks[branch].successors} == {
            (block(graph, "return x"), "next")
        }


def test_semicolons_across_branches() -> None:
    graph = graph_of(
        """
        def f(x):
            a = 0; b = 1
            if x: a = 1; b = 2
            else: c = 3; return c
            d = a; return d; e = 5
        """
    )
    assert graph.blocks[0].source == "a = 0; b = 1\nif x:"
    assert graph.blocks[0].lines == [3, 3, 4]
    assert block(graph, "a = 1") == block(graph, "b = 2")
    assert graph.blocks[block(graph, "a = 1")].source == "a = 1; b = 2"
    assert goes(graph, "if x:", "a = 1", "true")
    assert goes(graph, "if x:", "c = 3", "false")
    assert edges(graph, "c = 3") == {(graph.exit, "return")}
    assert goes(graph, "b = 2", "d = a", "next")
    assert block(graph, "d = a") == block(graph, "return d")
    assert unreachable(graph, "e = 5")
    assert graph.blocks[block(graph, "e = 5")].spans[0].col == len("    d = a; return d; ")


def test_backslash_continuations_and_headers_split_by_comments() -> None:
    graph = graph_of(
        """
        def f(a, b, xs):
            total = 1 + \\
                2
            if (a  # first
                and b  # second
            ):  # third
                g()
            for x in \\
                    xs:
                total += x
            with open(a) as one, \\
                    open(b) as two:
                h()
            return total
        """
    )
    header = graph.blocks[block(graph, "if (a  # first")]
    assert (
        header.source == "total = 1 + \\\n    2\nif (a  # first\n    and b  # second\n):  # third"
    )
    assert [(s.line, s.col, s.end_line, s.end_col) for s in header.spans] == [
        (3, 4, 4, 9),
        (5, 4, 7, 6),
    ]
    loop = graph.blocks[block(graph, "for x in \\")]
    assert (loop.spans[0].end_line, loop.spans[0].end_col) == (10, 15)
    assert goes(graph, "for x in \\", "total += x", "next")
    assert goes(graph, "g()", "for x in \\", "next")
    assert goes(graph, "for x in \\", "with open(a) as one, \\", "loop_exit")
    assert block(graph, "with open(a) as one, \\") == block(graph, "return total")


def test_non_ascii_identifiers_and_strings_have_byte_columns() -> None:
    graph = graph_of(
        """
        def größe(maß, 名前="日本"):
            ergebnis = "ü"; ziel = "→"
            if maß > 0 and 名前: return "é" * maß
            for ü in 名前: print(ü, "✓")
            return ergebnis
        """
    )
    assert graph.name == "größe"
    first = graph.blocks[0]
    assert [(s.col, s.end_col) for s in first.spans] == [
        (4, len('    ergebnis = "ü"'.encode())),
        (len('    ergebnis = "ü"; '.encode()), len('    ergebnis = "ü"; ziel = "→"'.encode())),
        (4, len("    if maß > 0 and 名前:".encode())),
    ]
    assert first.source == 'ergebnis = "ü"; ziel = "→"\nif maß > 0 and 名前:'
    body = graph.blocks[block(graph, 'return "é" * maß')]
    assert body.spans[0].col == len("    if maß > 0 and 名前: ".encode())
    loop_body = graph.blocks[block(graph, 'print(ü, "✓")')]
    assert loop_body.spans[0].col == len("    for ü in 名前: ".encode())
    assert goes(graph, "for ü in 名前:", 'print(ü, "✓")', "next")
    assert goes(graph, "for ü in 名前:", "return ergebnis", "loop_exit")
    assert goes(graph, "if maß > 0 and 名前:", "for ü in 名前:", "false")


def test_tab_indentation_builds_the_same_graph_as_spaces() -> None:
    tabs = "def f(x):\n\ty = x\n\tif y:\n\t\treturn 1\n\telse:\n\t\ty = 2\n\treturn y\n"
    spaces = tabs.replace("\t", "    ")
    with_tabs = unit(graphs_of(tabs), "f")
    with_spaces = unit(graphs_of(spaces), "f")
    assert [
        ([(e.id, e.kind) for e in b.successors], b.lines, b.unreachable) for b in with_tabs.blocks
    ] == [
        ([(e.id, e.kind) for e in b.successors], b.lines, b.unreachable) for b in with_spaces.blocks
    ]
    assert [(s.col, s.end_col) for s in with_tabs.blocks[0].spans] == [(1, 6), (1, 6)]
    assert goes(with_tabs, "if y:", "return 1", "true")
    assert goes(with_tabs, "y = 2", "return y", "next")


def test_a_block_indented_by_tabs_is_dedented() -> None:
    graph = unit(graphs_of("def f(x):\n\ty = x\n\tif y:\n\t\treturn 1\n\treturn 2\n"), "f")
    assert graph.blocks[0].source == "y = x\nif y:"
    assert graph.blocks[1].source == "return 1"


def test_form_feeds_neither_shift_lines_nor_split_blocks() -> None:
    source = (
        "def f(x):\n    a = 1\n\f\n    if x:\n        b = 2\n\f    return a\n\f\ndef g(): pass\n"
    )
    graphs = graphs_of(source)
    graph = unit(graphs, "f")
    assert graph.blocks[0].lines == [2, 4]
    assert goes(graph, "if x:", "b = 2", "true")
    assert goes(graph, "if x:", "return a", "false")
    assert graph.blocks[block(graph, "return a")].spans[0].line == 6
    assert unit(graphs, "g").start_line == 8


def statement_lines(source: str) -> set[int]:
    return {node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.stmt)}


def span_lines(graphs: list[FunctionGraph]) -> set[int]:
    return {span.line for graph in graphs for b in graph.blocks for span in b.spans}


def test_windows_line_endings_keep_ast_line_numbers() -> None:
    source = (
        "def f(x):\r\n"
        '    s = """a\r\nb\rc"""  # note\u2028more\x1c\r\n'
        "    if (x and\x0c\r\n"
        "            s):\r\n"
        "        return s\r\n"
        "    while x:\r\n"
        "        x -= 1\r\n"
        "    return None\r\n"
    )
    graphs = graphs_of(source)
    assert span_lines(graphs) == statement_lines(source) == {1, 2, 5, 7, 8, 9, 10}
    graph = unit(graphs, "f")
    first = graph.blocks[0]
    assert [(s.line, s.col, s.end_line, s.end_col) for s in first.spans] == [
        (2, 4, 4, 4),
        (5, 4, 6, 15),
    ]
    assert goes(graph, "return s", None, "return")
    assert goes(graph, "while x:", "x -= 1", "true")
    assert goes(graph, "while x:", "return None", "loop_exit")
    assert graph.blocks[block(graph, "while x:")].start_line == 8
    assert graph.blocks[block(graph, "return None")].start_line == 10


def test_old_mac_line_endings_keep_ast_line_numbers() -> None:
    source = "def f(x):\r    if x:\r        y = 1\r    return y\r"
    graphs = graphs_of(source)
    assert span_lines(graphs) == statement_lines(source) == {1, 2, 3, 4}
    graph = unit(graphs, "f")
    assert goes(graph, "if x:", "y = 1", "true")
    assert graph.blocks[block(graph, "return y")].start_line == 4


def test_one_line_with_and_try_stay_in_line_order() -> None:
    graph = graph_of(
        """
        def f(lock, x):
            with lock: x += 1; y = 2
            try: x()
            except E: pass
            return x
        """
    )
    first = graph.blocks[0]
    assert [(s.line, s.col, s.end_col) for s in first.spans] == [
        (3, 4, 14),
        (3, 15, 21),
        (3, 23, 28),
    ]
    body = block_at(graph, 4, 9)
    assert block_at(graph, 4, 4) == body
    handler = block_at(graph, 5, 4)
    assert block_at(graph, 5, 14) == handler
    assert {(e.id, e.kind) for e in graph.blocks[body].successors} == {
        (block(graph, "return x"), "next"),
        (handler, "exception"),
        (graph.exit, "exception"),
    }


def test_one_line_with_and_try_render_as_written() -> None:
    graph = graph_of(
        """
        def f(lock, x):
            with lock: x += 1; y = 2
            try: x()
            except E: pass
            return x
        """
    )
    assert graph.blocks[0].source == "with lock: x += 1; y = 2"
    assert graph.blocks[block_at(graph, 4, 4)].source == "try: x()"
    assert graph.blocks[block_at(graph, 5, 4)].source == "except E: pass"


# async


def test_async_constructs_inside_try_except_star() -> None:
    graph = graph_of(
        """
        async def main(urls):
            try:
                async with session() as s:
                    async for url in s.stream(urls):
                        await s.get(url)
            except* ValueError as group:
                await report(group)
            except* (TypeError, KeyError):
                await cleanup()
            finally:
                await close()
            return s
        """
    )
    value_error = block(graph, "except* ValueError as group:")
    type_error = block(graph, "except* (TypeError, KeyError):")
    close = block(graph, "await close()")
    assert block(graph, "try:") == block(graph, "async with session() as s:")
    for text in ("async with session() as s:", "async for url in s.stream(urls):"):
        assert targets(graph, text, "exception") == {value_error, type_error, close}
    assert goes(graph, "async with session() as s:", "async for url in s.stream(urls):", "next")
    assert goes(graph, "await s.get(url)", "async for url in s.stream(urls):", "loop")
    assert goes(graph, "async for url in s.stream(urls):", "await close()", "loop_exit")
    assert block(graph, "await report(group)") == value_error
    assert goes(graph, "await report(group)", "except* (TypeError, KeyError):", "exception")
    assert goes(graph, "await report(group)", "await close()", "next")
    assert goes(graph, "await cleanup()", "await close()", "next")
    assert edges(graph, "await close()") == {
        (block(graph, "return s"), "next"),
        (graph.exit, "raise"),
    }


def test_an_except_star_clause_ending_in_an_if_hands_on_to_the_next_clause() -> None:
    graph = graph_of(
        """
        async def main():
            try:
                await run()
            except* ValueError as group:
                if len(group.exceptions) > 1:
                    log(group)
            except* TypeError:
                await cleanup()
            return 0
        """
    )
    assert goes(graph, "log(group)", "except* TypeError:", "exception")
    assert goes(graph, "if len(group.exceptions) > 1:", "except* TypeError:", "exception")


# finally bodies that end in a compound statement


def test_a_finally_ending_in_an_if_still_passes_the_return_on() -> None:
    graph = graph_of(
        """
        def f(conn):
            try:
                return conn.get()
            finally:
                if conn is not None:
                    conn.close()
        """
    )
    assert goes(graph, "return conn.get()", "if conn is not None:", "finally")
    assert goes(graph, "conn.close()", None, "raise")
    assert goes(graph, "conn.close()", None, "return")


def test_a_finally_ending_in_a_loop_still_re_raises() -> None:
    graph = graph_of(
        """
        def f(conns):
            try:
                work()
            finally:
                for c in conns:
                    c.close()
            after()
        """
    )
    assert goes(graph, "for c in conns:", "after()", "loop_exit")
    assert graph.exit in {e.id for e in graph.blocks[block(graph, "for c in conns:")].successors}


def test_a_finally_ending_in_a_simple_statement_leaves_by_every_way() -> None:
    graph = graph_of(
        """
        def f(conn):
            try:
                return conn.get()
            finally:
                if conn is not None:
                    conn.close()
                log("closed")
        """
    )
    assert goes(graph, "if conn is not None:", 'log("closed")', "false")
    assert edges(graph, 'log("closed")') == {(graph.exit, "raise"), (graph.exit, "return")}


def test_code_after_a_try_finally_that_never_completes_is_unreachable() -> None:
    graph = graph_of(
        """
        def serve():
            try:
                while True:
                    handle()
            finally:
                cleanup()
            unreachable()
        """
    )
    assert unreachable(graph, "unreachable()")
    assert not goes(graph, "cleanup()", "unreachable()", "next")
    graph = graph_of(
        """
        def f(x):
            try:
                if x:
                    return 1
                else:
                    return 2
            finally:
                cleanup()
            after()
        """
    )
    assert unreachable(graph, "after()")


def test_code_after_a_try_except_that_never_completes_is_unreachable() -> None:
    graph = graph_of(
        """
        def serve():
            try:
                while True:
                    handle()
            except KeyboardInterrupt:
                return 1
            unreachable()
        """
    )
    assert unreachable(graph, "unreachable()")
    assert goes(graph, "handle()", "except KeyboardInterrupt:", "exception")


# newer syntax and scopes


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type` statements need Python 3.12")
def test_type_alias_statements_and_generic_headers() -> None:
    graphs = graphs_of(
        "type Alias = int\n"
        "def first[T](items: list[T]) -> T:\n"
        "    type Local[U] = list[U]\n"
        "    return items[0]\n"
        "class Box[T]:\n"
        "    pass\n"
        "def make[T]():\n"
        "    pass\n"
    )
    module = unit(graphs, "<module>")
    assert module.blocks[0].source == (
        "type Alias = int\ndef first[T](items: list[T]) -> T:\nclass Box[T]:\ndef make[T]():"
    )
    first = unit(graphs, "first")
    assert first.blocks[0].source == "type Local[U] = list[U]\nreturn items[0]"
    assert first.blocks[0].successors[0].kind == "return"


def test_global_and_nonlocal_in_every_kind_of_unit() -> None:
    graphs = graphs_of(
        textwrap.dedent(
            """
            global counter
            class Holder:
                global counter
                counter = 1
            def outer():
                value = 0
                def inner():
                    nonlocal value
                    if value:
                        global counter
                    value += 1
                return inner
            """
        )
    )
    module = unit(graphs, "<module>")
    assert module.blocks[0].source == "global counter\nclass Holder:\ndef outer():"
    assert unit(graphs, "Holder").blocks[0].source == "global counter\ncounter = 1"
    inner = unit(graphs, "outer.<locals>.inner")
    assert inner.blocks[0].source == "nonlocal value\nif value:"
    assert goes(inner, "if value:", "global counter", "true")
    assert goes(inner, "global counter", "value += 1", "next")


# large generated functions


def elif_chain(branches: int) -> str:
    lines = ["def f(x):", "    if x == 0:", "        r = 0"]
    for index in range(1, branches):
        lines += [f"    elif x == {index}:", f"        r = {index}"]
    lines += ["    else:", "        r = -1", "    return r"]
    return "\n".join(lines) + "\n"


def test_a_long_elif_chain() -> None:
    branches = 300
    graph = unit(graphs_of(elif_chain(branches)), "f")
    assert len(graph.blocks) == 2 * branches + 3
    assert goes(graph, "if x == 0:", "elif x == 1:", "false")
    for index in range(1, branches - 1):
        assert goes(graph, f"elif x == {index}:", f"r = {index}", "true")
        assert goes(graph, f"elif x == {index}:", f"elif x == {index + 1}:", "false")
        assert goes(graph, f"r = {index}", "return r", "next")
    assert goes(graph, f"elif x == {branches - 1}:", "r = -1", "false")
    assert not any(b.unreachable for b in graph.blocks)


def test_an_elif_chain_of_two_thousand_branches() -> None:
    source = elif_chain(2000)
    ast.parse(source)
    graph = unit(graphs_of(source), "f")
    assert goes(graph, "elif x == 1998:", "elif x == 1999:", "false")
    assert goes(graph, "elif x == 1999:", "r = -1", "false")


def test_a_match_with_two_thousand_cases() -> None:
    cases = 2000
    lines = ["def f(x):", "    match x:"]
    for index in range(cases):
        lines += [f"        case {index}:", f"            r = {index}"]
    lines += ["        case _:", "            r = -1", "    return r"]
    graph = unit(graphs_of("\n".join(lines) + "\n"), "f")
    assert len(graph.blocks) == 2 * cases + 5
    assert edges(graph, "match x:") == {(block(graph, "case 0:"), "case")}
    ids = by_source(graph)
    for index in range(cases - 1):
        pattern = graph.blocks[ids[f"case {index}:"]]
        assert {(e.id, e.kind) for e in pattern.successors} == {
            (ids[f"r = {index}"], "true"),
            (ids[f"case {index + 1}:"], "case"),
        }
    assert goes(graph, f"case {cases - 1}:", "case _:", "case")
    assert edges(graph, "case _:") == {(block(graph, "r = -1"), "true")}


def test_a_loop_with_two_thousand_guarded_continues() -> None:
    count = 2000
    lines = ["def f(xs):", "    for x in xs:"]
    for index in range(count):
        lines += [f"        if x == {index}:", "            continue", f"        y{index} = x"]
    lines.append("    return xs")
    graph = unit(graphs_of("\n".join(lines) + "\n"), "f")
    header = block(graph, "for x in xs:")
    continues = [b for b in graph.blocks if b.source == "continue"]
    assert len(continues) == count
    assert all({(e.id, e.kind) for e in b.successors} == {(header, "continue")} for b in continues)
    assert block(graph, "y0 = x") == block(graph, "if x == 1:")
    assert goes(graph, f"y{count - 1} = x", "for x in xs:", "loop")
    assert goes(graph, "for x in xs:", "return xs", "loop_exit")


def test_a_try_with_five_hundred_handlers() -> None:
    count = 500
    lines = ["def f():", "    try:", "        x()"]
    for index in range(count):
        lines += [f"    except E{index}:", f"        h{index}()"]
    lines += ["    finally:", "        z()", "    return 0"]
    graph = unit(graphs_of("\n".join(lines) + "\n"), "f")
    handlers = {block(graph, f"except E{index}:") for index in range(count)}
    assert targets(graph, "x()", "exception") == handlers | {block(graph, "z()")}
    assert all(goes(graph, f"h{index}()", "z()", "next") for index in range(count))
    assert edges(graph, "z()") == {(block(graph, "return 0"), "next"), (graph.exit, "raise")}


def test_the_deepest_nesting_the_parser_accepts() -> None:
    # The tokenizer allows 100 levels of indentation; the body of the innermost loop sits at
    # level 96.
    depth = 95
    lines = ["def f(xs):"]
    for level in range(depth):
        lines.append("    " * (level + 1) + f"for x{level} in xs:")
    lines.append("    " * (depth + 1) + "break")
    lines.append("    return xs")
    graph = unit(graphs_of("\n".join(lines) + "\n"), "f")
    assert len(graph.blocks) == depth + 3
    assert edges(graph, "break") == {(block(graph, f"for x{depth - 2} in xs:"), "break")}
    for level in range(1, depth):
        assert goes(graph, f"for x{level - 1} in xs:", f"for x{level} in xs:", "next")
        assert goes(graph, f"for x{level} in xs:", f"for x{level - 1} in xs:", "loop_exit")
    assert goes(graph, "for x0 in xs:", "return xs", "loop_exit")
