"""Every write to the member registry. Views, API, tasks, commands and other apps call these
functions; they validate, save atomically and keep the audit history attributed."""

# The registry import is a package of its own (members.importing); its entry points are
# listed here with the other writes.
from members.importing import (  # noqa: F401
    IMPORT_BATCH_SIZE,
    ImportProgress,
    ImportResult,
    import_template_csv,
    import_template_xlsx,
    registry_import,
)
from members.services.certification import *  # noqa: F403
from members.services.membership import *  # noqa: F403
from members.services.merge import *  # noqa: F403
from members.services.organizations import *  # noqa: F403
from members.services.people import *  # noqa: F403
from members.services.personal_data import *  # noqa: F403
from members.services.rates import *  # noqa: F403
from members.services.reports import *  # noqa: F403
