"""Load and speed benchmarks (`make bench`); see bench/README.md."""
