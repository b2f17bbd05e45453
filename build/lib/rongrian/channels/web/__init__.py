"""The citizen web app: the complaint form, the receipt and the tracking page."""
