"""Answering: what the question asks for, evidence sentences, answer candidates and their scores,
who said what, follow-ups, citations, and the composed Answer."""
