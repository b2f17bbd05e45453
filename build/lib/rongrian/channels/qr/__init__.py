"""QR codes for tracking links and (later) printable posters."""
