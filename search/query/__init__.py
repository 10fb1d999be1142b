"""A reader's words -> a parsed query: plain and raw syntax, analysis, vocabulary and
spelling. No Whoosh internals and no HTTP."""
