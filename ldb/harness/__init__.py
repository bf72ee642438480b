"""The code that runs inside the child process beside the program under test.

It imports only the standard library and its own modules, by relative imports, so the child
starts fast and needs nothing but this folder: the parent loads it under a private name
without importing the rest of ldb.
"""
