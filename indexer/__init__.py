"""The analysis-search indexer: article HTML in, fielded documents and an index out."""
