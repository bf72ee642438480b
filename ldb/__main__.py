"""`python -m ldb`: the same as the `ldb` command."""

from __future__ import annotations

import sys

from ldb.cli import main

sys.exit(main())
