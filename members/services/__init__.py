"""Every write to the member registry. Views, API, tasks, commands and other apps call these
functions; they validate, save atomically and keep the audit history attributed."""

from members.services.certification import *  # noqa: F403
from members.services.imports import *  # noqa: F403
from members.services.membership import *  # noqa: F403
from members.services.merge import *  # noqa: F403
from members.services.organizations import *  # noqa: F403
from members.services.people import *  # noqa: F403
from members.services.reports import *  # noqa: F403
