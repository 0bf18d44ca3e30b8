"""Account changes a signed-in user makes to themselves (the rest is Django's auth views)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clac.models import User


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."), code="invalid_language")
    # Only this column: a concurrent change elsewhere on the user row is kept.
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
