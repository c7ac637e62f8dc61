"""The top of interlog: the ``interlog`` command line, the local stack and the demo.

The only layer (with ``benchmarks``) that may import every other package.
"""
