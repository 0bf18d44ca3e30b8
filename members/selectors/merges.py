"""Reads of merge records (members.services.merge): who the merged record was, whether the
record that stayed still exists (it may have been merged again since)."""

from members.models import DuplicateKind, MergeRecord, Organization, Person

__all__ = ["merge_record_merged_name", "merge_record_survivor_exists"]


def merge_record_merged_name(record: MergeRecord) -> str:
    """The merged record's name from its snapshot (the row itself is gone)."""
    fields = (record.merged_snapshot.get("record") or {}).get("fields") or {}
    if record.kind == DuplicateKind.ORGANIZATION:
        return str(fields.get("name") or "")
    return f"{fields.get('first_name') or ''} {fields.get('last_name') or ''}".strip()


def merge_record_survivor_exists(record: MergeRecord) -> bool:
    model = Organization if record.kind == DuplicateKind.ORGANIZATION else Person
    return model.objects.filter(pk=record.survivor_id).exists()
