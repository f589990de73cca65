"""Evaluation: question sets, metrics, the runner behind `python -m qa eval`, its summary and HTML
report."""
