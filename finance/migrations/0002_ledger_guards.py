"""The journal's guarantees in the database itself (PostgreSQL): an entry's lines sum to zero in
its currency and in USD, checked at commit by a deferred constraint trigger; posted lines are
never edited (only the organization they concern may move, when two organizations are merged)
and never deleted, except by the demo's flush which says so for its transaction
(finance.services.ledger.ledger_purge). SQLite (the demo) relies on the service alone."""

from django.db import migrations

BALANCE_SQL = """
CREATE FUNCTION finance_journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    checked_entry bigint;
    line_count integer;
    total numeric;
    total_usd numeric;
BEGIN
    IF TG_TABLE_NAME = 'finance_journalentry' THEN
        checked_entry := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        checked_entry := OLD.entry_id;
    ELSE
        checked_entry := NEW.entry_id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM finance_journalentry WHERE id = checked_entry) THEN
        RETURN NULL;  -- the entry itself went away (purge)
    END IF;
    SELECT count(*), coalesce(sum(amount), 0), coalesce(sum(amount_usd), 0)
      INTO line_count, total, total_usd
      FROM finance_journalline WHERE entry_id = checked_entry;
    IF line_count < 2 OR total <> 0 OR total_usd <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (% lines, sum %, sum USD %)',
            checked_entry, line_count, total, total_usd
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER finance_journalline_balanced
    AFTER INSERT OR UPDATE OR DELETE ON finance_journalline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION finance_journal_entry_balanced();

CREATE CONSTRAINT TRIGGER finance_journalentry_has_lines
    AFTER INSERT ON finance_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION finance_journal_entry_balanced();

CREATE FUNCTION finance_journal_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF coalesce(current_setting('clac.ledger_purge', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'posted journal rows are never deleted: reverse the entry instead'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_TABLE_NAME = 'finance_journalline' THEN
        IF (NEW.entry_id, NEW.account_id, NEW.fund_id, NEW.amount, NEW.amount_usd, NEW.memo)
           IS DISTINCT FROM (OLD.entry_id, OLD.account_id, OLD.fund_id, OLD.amount, OLD.amount_usd, OLD.memo) THEN
            RAISE EXCEPTION 'posted journal lines are never edited: reverse the entry instead'
                USING ERRCODE = 'restrict_violation';
        END IF;
    ELSE
        IF (NEW.date, NEW.description, NEW.currency, NEW.usd_rate, NEW.reverses_id)
           IS DISTINCT FROM (OLD.date, OLD.description, OLD.currency, OLD.usd_rate, OLD.reverses_id) THEN
            RAISE EXCEPTION 'posted journal entries are never edited: reverse the entry instead'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER finance_journalline_immutable
    BEFORE UPDATE OR DELETE ON finance_journalline
    FOR EACH ROW EXECUTE FUNCTION finance_journal_immutable();

CREATE TRIGGER finance_journalentry_immutable
    BEFORE UPDATE OR DELETE ON finance_journalentry
    FOR EACH ROW EXECUTE FUNCTION finance_journal_immutable();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS finance_journalentry_immutable ON finance_journalentry;
DROP TRIGGER IF EXISTS finance_journalline_immutable ON finance_journalline;
DROP TRIGGER IF EXISTS finance_journalentry_has_lines ON finance_journalentry;
DROP TRIGGER IF EXISTS finance_journalline_balanced ON finance_journalline;
DROP FUNCTION IF EXISTS finance_journal_immutable();
DROP FUNCTION IF EXISTS finance_journal_entry_balanced();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # A plain cursor: no parameters, so the `%` of RAISE's format stays as written.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(BALANCE_SQL), _on_postgresql(DROP_SQL))]
