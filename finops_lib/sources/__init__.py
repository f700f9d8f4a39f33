"""Billing-export sources: one package per provider export (``aws_cur``)."""
