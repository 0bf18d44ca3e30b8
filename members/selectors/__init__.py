"""Reads of the member registry: permission-scoped querysets and `<entity>_get_for_user`
access helpers. One module per area; this package re-exports them."""

from members.selectors.access import *  # noqa: F403
from members.selectors.directory import *  # noqa: F403
from members.selectors.organizations import *  # noqa: F403
from members.selectors.people import *  # noqa: F403
from members.selectors.personal_data import *  # noqa: F403
from members.selectors.pickers import *  # noqa: F403
from members.selectors.portal import *  # noqa: F403
from members.selectors.rates import *  # noqa: F403
from members.selectors.reports import *  # noqa: F403
from members.selectors.statistics import *  # noqa: F403
