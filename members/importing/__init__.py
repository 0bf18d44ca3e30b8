"""The registry import: organizations and people from a CSV or XLSX file (docs/import-format.md).

formats (columns, templates, header checks) → reader (rows streamed out of the file) →
cleaning (each row's cells checked and cleaned) → planner (what each batch creates or
updates; plan holds the result) → writer (the registry's tables, through the platform's
clac.db.bulk) → pipeline (batches, the writing thread, and registry_import, the entry point).
"""

from members.importing.formats import (
    COMBINED_COLUMNS,
    ORGANIZATION_COLUMNS,
    PERSON_COLUMNS,
    ImportFormat,
    RowError,
    import_template_csv,
    import_template_xlsx,
)
from members.importing.pipeline import IMPORT_BATCH_SIZE, ImportProgress, ImportResult, registry_import

__all__ = [
    "COMBINED_COLUMNS",
    "IMPORT_BATCH_SIZE",
    "ORGANIZATION_COLUMNS",
    "PERSON_COLUMNS",
    "ImportFormat",
    "ImportProgress",
    "ImportResult",
    "RowError",
    "import_template_csv",
    "import_template_xlsx",
    "registry_import",
]
