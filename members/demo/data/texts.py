"""Free texts: what staff write when they review yearly reports, and the change proposals the
showcase organizations' portal users have sent."""

from members.models import OrganizationChangeProposal

RETURN_NOTES: dict[str, tuple[str, ...]] = {
    "es": (
        "El número de socias no coincide con el padrón enviado en marzo; por favor revisen el total de mujeres.",
        "Falta el desglose del uso de la prima por categoría. Completen la tabla y vuelvan a enviar.",
        "El volumen vendido en condiciones Fairtrade no coincide con los certificados de transacción de FLOCERT.",
        "Las hectáreas reportadas bajaron a la mitad respecto al año anterior: ¿es correcto? Agreguen una nota.",
    ),
    "pt-br": (
        "Falta o detalhamento do uso do prêmio por categoria. Completem a tabela e reenviem, por favor.",
        "O volume vendido em condições Fairtrade não confere com as transações registradas na FLOCERT.",
    ),
    "fr": (
        "La répartition de l'utilisation de la prime manque. Merci de compléter le tableau et de renvoyer.",
        "Le volume vendu aux conditions Fairtrade ne correspond pas aux transactions enregistrées chez FLOCERT.",
    ),
    "en": (
        "The premium use breakdown is missing. Please complete the table and submit again.",
        "The volume sold on Fairtrade terms does not match the FLOCERT transaction records.",
    ),
}
APPROVE_NOTES = ("", "", "", "Aprobado. Gracias por el desglose del uso de la prima.", "Revisado con la red nacional.")


# Showcase key, field, proposed value (None: a new FLO ID drawn when seeding), reason.
CHANGE_PROPOSALS: list[tuple[str, str, str | None, str]] = [
    ("pangoa", OrganizationChangeProposal.Field.LEGAL_NAME,
     "Cooperativa Agraria Cafetalera y de Servicios Pangoa Ltda.",
     "Cambio de estatuto aprobado en la Asamblea General Extraordinaria; adjuntamos la partida registral."),
    ("castillo", OrganizationChangeProposal.Field.LEGAL_NAME,
     "Asociación de Productores y Productoras de Cacao de Castillo, Inc.",
     "La asamblea aprobó el nuevo nombre con lenguaje inclusivo."),
    ("baptiste", OrganizationChangeProposal.Field.FLO_ID, None,
     "FLOCERT nous a attribué un nouveau FLO ID après la fusion avec la coopérative voisine."),
    ("norte", OrganizationChangeProposal.Field.FLO_ID, None,
     "FLOCERT unificó nuestros dos registros; el FLO ID vigente es el nuevo."),
]  # fmt: skip
