"""Allow ``python -m lawful_intercept`` as an alias of the ``lawful-intercept`` command."""

from lawful_intercept.cli import main

raise SystemExit(main())
