"""Every form shows all its problems at once: long forms get an error summary at the top whose
links lead to each field (issue #12, item 8c). The summary lives in templates/includes/form.html,
so every page that renders a form through it gets it."""

import re

import pytest
from django.urls import reverse

from clac.roles import StaffRole
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_a_long_form_lists_every_problem_at_the_top_with_a_link_to_each_field(client):
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("members:organization_create"),
        {"kind": "spo", "name": "", "country": "PE", "flo_id": "12ab", "email": "not-an-email", "founding_year": "x"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary is not None, "no error summary on a form with four problems"
    links = set(re.findall(r'href="#([\w-]+)"', summary.group(0)))
    assert {"id_name", "id_flo_id", "id_email", "id_founding_year"} <= links
    # Each link leads to an element of the page.
    for anchor in links:
        assert f'id="{anchor}"' in html
    assert 'role="alert"' in summary.group(0)


def test_forms_load_the_script_that_focuses_the_summary_from_a_static_file(client):
    client.force_login(staff_user(StaffRole.ADMIN))

    html = client.get(reverse("members:organization_create")).content.decode()

    assert "js/forms.js" in html
    assert "<script>" not in html
