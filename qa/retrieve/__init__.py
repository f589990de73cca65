"""Retrieval: the articles a question may use (date and outlet filters), freshness, the fused dense +
keyword ranking of articles, and copies of one passage collapsed into one result."""
