"""`python -m salesbook` runs the command line."""

from salesbook.cli import main

main()
