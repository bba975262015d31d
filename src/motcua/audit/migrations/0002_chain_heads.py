"""Create the heads of the default 16 chains, so the first appends need not create them.

A larger MOTCUA_AUDIT_CHAINS gets its extra heads on first use (services._lock_head).
"""

from django.db import migrations

GENESIS_HASH = "0" * 64
DEFAULT_CHAINS = 16


def create_heads(apps, schema_editor):
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditChainHead.objects.using(schema_editor.connection.alias).bulk_create(
        [AuditChainHead(chain=c, seq=0, last_hash=GENESIS_HASH) for c in range(DEFAULT_CHAINS)],
        ignore_conflicts=True,
    )


def delete_empty_heads(apps, schema_editor):
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditChainHead.objects.using(schema_editor.connection.alias).filter(seq=0).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_heads, delete_empty_heads)]
