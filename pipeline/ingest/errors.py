"""Errors a reader raises when a file cannot be ingested; the caller records them as status=failed."""


class IngestError(Exception):
    """A file could not be read; the message names the file and the reason."""


class NoTextLayer(IngestError):
    """A file holds pages but no extractable text (for example a scanned PDF without OCR)."""
