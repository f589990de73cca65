"""Ingest: files and JSON Lines records read into Articles (with their publication dates), and
articles cut into token chunks, each a span of its article."""
