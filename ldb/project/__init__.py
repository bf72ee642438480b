"""Project mode: a repository's failing pytest tests, traced and debugged across its files,
under the project's own interpreter."""
