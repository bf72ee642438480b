"""Batch evaluation under LDB's protocol: the benchmark problems, the protocol per problem, where
problems run, and the report."""
