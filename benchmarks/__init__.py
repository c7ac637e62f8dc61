"""``interlog bench``: every stage measured against its physical ceiling in the same run, and
the sample-event generators the benchmarks and tests share. Imports every other package.
"""
