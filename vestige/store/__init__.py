"""Evidence store: content-addressed blobs and the SQLAlchemy catalog."""
