"""On PostgreSQL, refuse UPDATE and DELETE of audit entries in the database itself.

The ORM already refuses (models.AuditEntryQuerySet); these triggers also stop raw SQL and
other programs. Heads may only move forward by one, onto an entry that exists with that hash.
TRUNCATE is not trapped: Django's test runner empties tables with it. In production the
application's role should hold only SELECT and INSERT on audit_entry (docs/audit.md).
SQLite has no such guard; `motcua audit verify` still detects the change.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Nhật ký kiểm tra chỉ được ghi thêm: không được % bản ghi đã có.',
        CASE TG_OP WHEN 'DELETE' THEN 'xóa' ELSE 'sửa' END
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change();

CREATE OR REPLACE FUNCTION audit_chain_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Không được xóa đầu chuỗi nhật ký %.', OLD.chain
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq <> 0 OR NEW.last_hash <> repeat('0', 64) THEN
            RAISE EXCEPTION 'Đầu chuỗi nhật ký mới phải bắt đầu từ số 0.'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.chain <> OLD.chain OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
        SELECT 1 FROM audit_entry
        WHERE chain = NEW.chain AND seq = NEW.seq AND hash = NEW.last_hash
            AND prev_hash = OLD.last_hash
    ) THEN
        RAISE EXCEPTION 'Đầu chuỗi nhật ký % chỉ được tiến thêm một bản ghi đã ghi.', OLD.chain
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_chain_head_guard
    BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS audit_chain_head_guard ON audit_chain_head;
DROP FUNCTION IF EXISTS audit_chain_head_guard();
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
DROP FUNCTION IF EXISTS audit_entry_refuse_change();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_heads")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
