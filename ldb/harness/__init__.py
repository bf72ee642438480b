"""The code that runs inside the child process beside the program under test.

It imports only the standard library, its own modules and `ldb.wire` (the names both sides
agree on), by relative imports, so the child starts fast and needs nothing but this folder and
that file: the parent loads them under a private package name without importing the rest of
ldb. Nothing in the parent imports from here.
"""
