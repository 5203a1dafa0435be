"""Support files for the benchmarks (not benchmarks themselves, so `make bench` skips them)."""
