"""What the tests and the benchmarks share: corpora of programs (the standard library, our
seeded bugs) and the service run as its users run it. Neither tests/ nor bench/ imports the
other; both import this."""
