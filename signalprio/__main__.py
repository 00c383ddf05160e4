"""`python -m signalprio` runs the command-line interface."""

from signalprio.cli import main

main()
