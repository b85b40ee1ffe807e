"""``python -m socpilot.cli``: the same CLI, for environments without the console script."""

from socpilot.cli import main

main()
