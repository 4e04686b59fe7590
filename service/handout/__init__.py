"""The printable handout of a recorded decision: HTML with print CSS, and PDF (WeasyPrint)."""
