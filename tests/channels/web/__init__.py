"""Tests of the citizen web pages."""
