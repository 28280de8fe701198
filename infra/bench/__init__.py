"""Benchmark: our app against FastMCP 4 and a bare Starlette echo, measured side by side.

``python -m infra.bench`` (``make bench``) runs everything and rewrites ``results.md`` and
``results.json``; ``python -m infra.bench --quick`` is the CI guard on the ratio to the echo.
Only ratios measured in one run are compared: absolute figures drift between runs and machines.
"""
