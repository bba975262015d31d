"""Citizen satisfaction ratings: one store for the counter device, kiosk, portal and API."""
