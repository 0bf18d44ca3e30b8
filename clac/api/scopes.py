"""What a partner key may read. A key carries a list of these; each partner endpoint names the
one it needs (`required_scope`). Personal data (people's names, emails, phones) is only ever
served under `people:read`."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DIRECTORY_READ = "directory:read"
STATS_READ = "stats:read"
INDICATORS_READ = "indicators:read"
REVIEWS_READ = "reviews:read"
PEOPLE_READ = "people:read"

SCOPES: dict[str, Promise] = {
    DIRECTORY_READ: _("Directory of member organizations (public fields only)"),
    STATS_READ: _("Statistics aggregated from approved yearly reports"),
    INDICATORS_READ: _("Strategic plan indicators and their measurements"),
    REVIEWS_READ: _("Price and standard reviews and their published results"),
    PEOPLE_READ: _("Personal data: people's names, emails and phones"),
}
