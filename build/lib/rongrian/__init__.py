"""Rongrian (ร้องเรียน): complaint and whistleblower intake for Thai public agencies."""
