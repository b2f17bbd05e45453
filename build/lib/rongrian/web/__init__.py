"""Flask plumbing shared by the public app (channels) and the staff app (admin).

Security headers, the per-request database session, language choice (Thai first), labels of the
domain words, Thai Buddhist-era dates, CSRF and error pages. Imports :mod:`rongrian.intake` only
from the core.
"""
