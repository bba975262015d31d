"""The tamper-evident audit log: who read or changed what, when (docs/audit.md)."""
