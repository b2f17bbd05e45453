"""The staff, custodian and executive web app, and the ``rongrian`` command line."""
