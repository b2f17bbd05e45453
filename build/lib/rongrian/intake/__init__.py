"""The domain core: models, store, tracking codes, routing, workflow, reporting.

Imports SQLAlchemy and :mod:`rongrian.crypto` only; never Flask, linebot or qrcode.
"""
