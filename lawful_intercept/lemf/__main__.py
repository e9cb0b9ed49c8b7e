"""``python -m lawful_intercept.lemf``: run a test LEMF (see
:mod:`lawful_intercept.lemf.command`)."""

import sys

from .command import main

if __name__ == "__main__":
    sys.exit(main())
