"""Running a program's tests: the test split into cases, a child process in the sandbox (cold or
forked from the pool's warm zygote) under the block tracer, and its trace read back."""
