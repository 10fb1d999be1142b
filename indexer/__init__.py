"""analysis-search indexer: article HTML in, fielded documents and a Whoosh index out."""
