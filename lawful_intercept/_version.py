"""The library's version (read by the build, the CLI and the compile cache)."""

__version__ = "0.1.0"
