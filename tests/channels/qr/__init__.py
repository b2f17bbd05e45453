"""Tests of the QR code helpers."""
