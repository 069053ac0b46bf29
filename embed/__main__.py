"""`python -m embed`: the same command line as the `embed` script (embed.cli.main)."""
from .cli import main

raise SystemExit(main())
