"""On PostgreSQL, let a chain head move forward over several entries in one update.

Migration 0003 let a head advance by exactly one entry per update. ``audit_append_many`` appends
many entries to a chain and moves its head once, to the last of them: the guard now accepts a
move from seq ``a`` to any ``b > a`` when entries ``a+1 … b`` all exist and are linked — the
first one's ``prev_hash`` is the head's old hash, each later one's ``prev_hash`` is the previous
one's ``hash`` — and entry ``b``'s hash is the new ``last_hash``. That is exactly what ``b - a``
single-step moves would have checked one by one; anything else is still refused.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION audit_chain_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    run_count bigint;
    run_linked boolean;
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
    IF NEW.chain <> OLD.chain OR NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'Đầu chuỗi nhật ký % chỉ được tiến thêm một bản ghi đã ghi.', OLD.chain
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT count(*), coalesce(bool_and(linked), false)
    INTO run_count, run_linked
    FROM (
        SELECT prev_hash = coalesce(lag(hash) OVER (ORDER BY seq), OLD.last_hash)
                AND (seq <> NEW.seq OR hash = NEW.last_hash) AS linked
        FROM audit_entry
        WHERE chain = NEW.chain AND seq > OLD.seq AND seq <= NEW.seq
    ) AS run;
    IF run_count <> NEW.seq - OLD.seq OR NOT run_linked THEN
        RAISE EXCEPTION 'Đầu chuỗi nhật ký % chỉ được tiến thêm một bản ghi đã ghi.', OLD.chain
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
"""

#: The single-step guard of migration 0003.
BACKWARD = r"""
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
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_postgres_append_only")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
