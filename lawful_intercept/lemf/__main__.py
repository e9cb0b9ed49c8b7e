"""``python -m lawful_intercept.lemf``: run a test LEMF (see
the options of :func:`lawful_intercept.lemf.add_arguments`).

See ``docs/lemf.md``.
"""

import sys

from ._command import main

if __name__ == "__main__":
    sys.exit(main())
