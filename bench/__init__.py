"""Benchmarks: each module is one command that prints a short table and can write JSON (see README.md)."""
