"""The networks app's models, one module per area; Django finds them all here."""

from networks.models.assemblies import *  # noqa: F403
from networks.models.core import *  # noqa: F403
from networks.models.meetings import *  # noqa: F403
from networks.models.reviews import *  # noqa: F403
from networks.models.strategies import *  # noqa: F403
