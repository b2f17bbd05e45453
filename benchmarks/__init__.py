"""On-demand benchmarks of Rongrian (not part of the pytest suite); see benchmarks/README.md."""
