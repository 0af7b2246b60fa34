"""Benchmarks of the platform, reported as ratios against raw infrastructure measured in the same run.

Run ``python -m bench`` from the repository root: it starts its own local infrastructure and the
service processes, measures batch ingest, end-to-end latency to the projection and memory peaks,
and writes ``bench/results.json`` and ``bench/results.md`` (quoted by the README). The project
keeps benchmarks here rather than in timed tests because absolute times on shared 2-core
machines are noise; ratios and memory peaks are not. ``python -m bench.profile`` shows where the
time goes in-process (cProfile).
"""
