"""Thin adapters that turn outside input into calls of :mod:`rongrian.intake`."""
