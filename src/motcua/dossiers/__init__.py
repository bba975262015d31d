"""Dossiers (hồ sơ): the lifecycle rules, the national status mapping and, later, the models and
services that apply them. ``workflow``, ``national`` and ``diagram`` are pure modules."""
