"""Text helpers every stage shares: tokens (tiktoken), sentences and paragraphs, search terms, word
shingles, quotation spans, page-furniture lines, dates, and the spaCy pipeline. Imports nothing of the
other stages."""
