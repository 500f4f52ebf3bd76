"""threadwarc's own signals."""

# Sent once the WARC writer has closed its files: files=list[str] (paths), reason=str.
warc_closed = object()
