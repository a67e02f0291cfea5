"""secmine: mining EU security-cooperation facts from policy documents."""

__version__ = "0.1.0"
