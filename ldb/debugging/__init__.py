"""The debug loop: test, trace a failing case, have its blocks judged and the program repaired
by a strategy (a chat model, or the offline engine), until the tests pass."""
