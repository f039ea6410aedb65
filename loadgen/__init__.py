"""Load-test data for `make bench` and tests/perf: the `seed_load` command and its generator.

It sits above every domain app (it writes all of their tables), beside bench/, and is never
imported by the site itself.
"""
