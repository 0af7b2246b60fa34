"""Benchmarks of the platform, reported as ratios against raw infrastructure measured in the same run.

Run ``python -m bench`` from the repository root: it starts its own local infrastructure and the
service processes, measures batch ingest, end-to-end throughput to the projection and memory peaks,
and writes ``bench/results.json`` and ``bench/results.md`` (quoted by the README). The project
keeps benchmarks here rather than in timed tests because absolute times on shared 2-core
machines are noise; ratios and memory peaks are not. CPU seconds per process for every timed
section are in ``results.json``: they show which process the time goes to.
"""
