"""Tests of the staff web app, the executive summary and its Word report."""
