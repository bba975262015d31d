"""Inbound endpoints of the integrations (the national portal's submissions)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["national"])
