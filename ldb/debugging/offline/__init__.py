"""The offline engine: a debugger that needs no model (fault localisation from the traces,
repair by a search over small edits)."""
