"""The model-backed strategy: the prompt (LDB's `[BLOCK-i]` trace), and the model's replies read
into verdicts and a repaired program."""
