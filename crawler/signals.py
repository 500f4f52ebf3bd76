"""threadwarc's own signals."""

# Sent once the WARC writer has closed its files: files=list[str] (paths), reason=str.
warc_closed = object()

# Sent by the spider when a fetch gave no response after its retries: request, error=str.
fetch_failed = object()
