"""Benchmarks of the registry (DESIGN §9): `make bench` runs `python -m bench.run`, which needs
PostgreSQL (DATABASE_URL), works in its own database `clac_bench` and writes docs/benchmarks.md."""
