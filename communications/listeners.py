"""What communications does when other apps tell it something (communications.plugin lists)."""

from communications.models import Message


def person_erased(*, person_id: int, **_payload) -> None:
    """The registry erased a person's personal data: blank the addresses the outbox kept in
    their messages (one statement). The rows stay, so campaign statistics keep their counts;
    the suppression list is keyed by address and is kept (it must go on blocking the address)."""
    Message.objects.filter(person_id=person_id).exclude(address="").update(address="")
