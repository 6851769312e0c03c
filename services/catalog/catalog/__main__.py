"""`python -m catalog`: runs the catalog service until SIGTERM."""

from catalog.bootstrap import main

main()
