"""Tests of the channel adapters (citizen web pages, QR codes)."""
