"""The shell every page stands on: navigation, shared includes and tags, accounts pages and
error pages."""

import re

from django import forms
from django.core import mail
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from clac.context_processors import nav_items_for
from clac.plugins import NavEntry, dashboard_navigation, portal_navigation
from clac.roles import StaffRole
from tests.factories import PortalAccessFactory, UserFactory

# --- Navigation ---------------------------------------------------------------------------


def test_navigation_skips_entries_whose_url_does_not_exist_yet():
    entries = [
        NavEntry("Home", "dashboard:home"),
        NavEntry("Not yet", "nowhere:nothing"),
        NavEntry("Jobs", "dashboard:job_list"),
    ]

    items = nav_items_for(entries=entries, path="/dashboard/", roles=frozenset({StaffRole.VIEWER}))

    assert [item.label for item in items] == ["Home", "Jobs"]


def test_navigation_marks_the_longest_matching_section_active():
    jobs_url = reverse("dashboard:job_list")
    items = nav_items_for(entries=dashboard_navigation(), path=f"{jobs_url}42/", roles=frozenset({StaffRole.VIEWER}))

    active = [item.url for item in items if item.active]
    assert active == [jobs_url]


def test_navigation_home_is_active_only_on_itself():
    items = nav_items_for(entries=dashboard_navigation(), path="/dashboard/", roles=frozenset({StaffRole.VIEWER}))
    assert [item.url for item in items if item.active] == [reverse("dashboard:home")]

    items = nav_items_for(entries=dashboard_navigation(), path="/dashboard/other/", roles=frozenset({StaffRole.VIEWER}))
    assert not any(item.active for item in items)


def test_navigation_hides_role_restricted_entries():
    restricted = NavEntry("Secret", "dashboard:home", roles=frozenset({StaffRole.ADMIN}))

    assert nav_items_for(entries=[restricted], path="/", roles=frozenset({StaffRole.VIEWER})) == []
    assert len(nav_items_for(entries=[restricted], path="/", roles=frozenset({StaffRole.ADMIN}))) == 1


def test_portal_navigation_starts_with_the_portal_home():
    items = nav_items_for(entries=portal_navigation(), path="/portal/", roles=None)

    assert items[0].url == reverse("portal:home")
    assert items[0].active


def test_dashboard_shell_has_landmarks_skip_link_and_user_menu(client, viewer_user):
    client.force_login(viewer_user)

    content = client.get(reverse("dashboard:home")).content.decode()

    assert 'href="#main"' in content
    assert '<main id="main"' in content
    assert "<nav " in content
    assert 'aria-current="page"' in content
    assert f'action="{reverse("logout")}"' in content
    assert f'href="{reverse("password_change")}"' in content
    assert f'action="{reverse("language_switch")}"' in content
    assert "/static/css/clac.css" in content
    # No asset comes from the internet.
    assert not re.search(r'(src|href)="(https?:)?//', content)


def test_portal_shell_shows_the_organization_name_and_navigation(client, portal_editor, organization):
    client.force_login(portal_editor)

    content = client.get(reverse("portal:home")).content.decode()

    assert f'<strong class="org">{organization.name}</strong>' in content
    assert f'href="{reverse("portal:home")}" aria-current="page"' in content
    assert "/static/css/portal.css" in content
    assert f'action="{reverse("logout")}"' in content


# --- Tags and includes ----------------------------------------------------------------------


def _render(source: str, **context) -> str:
    return Template("{% load clac_tags %}" + source).render(Context(context))


def test_query_replace_keeps_the_other_parameters():
    request = RequestFactory().get("/list/", {"country": "PE", "q": "café", "page": "3"})

    query = _render("{% query_replace page=4 %}", request=request)

    assert "country=PE" in query
    assert "page=4" in query
    assert "page=3" not in query
    assert "q=caf%C3%A9" in query


def test_query_replace_removes_empty_values():
    request = RequestFactory().get("/list/", {"country": "PE", "page": "3"})

    assert _render("{% query_replace page=None %}", request=request) == "country=PE"


def test_badge_renders_a_status_span_and_escapes_its_label():
    assert _render("{% badge status label %}", status="permission_to_trade", label="Permission <b>") == (
        '<span class="badge badge-permission_to_trade">Permission &lt;b&gt;</span>'
    )
    assert _render("{{ 'active'|badge }}") == '<span class="badge badge-active">active</span>'
    assert _render("{% badge '' %}") == ""


def test_pagination_include_keeps_filters_in_its_links(rf):
    request = rf.get("/list/", {"country": "PE", "page": "2"})
    page_obj = Paginator(list(range(100)), 10).get_page(2)

    html = Template('{% include "includes/pagination.html" %}').render(
        Context({"page_obj": page_obj, "request": request})
    )

    assert 'href="?country=PE&amp;page=3"' in html
    assert 'href="?country=PE&amp;page=1"' in html
    assert "2" in html and "10" in html


def test_pagination_include_is_empty_for_one_page(rf):
    page_obj = Paginator([1, 2], 10).get_page(1)

    html = Template('{% include "includes/pagination.html" %}').render(
        Context({"page_obj": page_obj, "request": rf.get("/")})
    )

    assert html.strip() == ""


class _SampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As registered")
    agree = forms.BooleanField(label="I agree", required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Something is wrong overall")


def test_form_include_renders_labels_help_errors_and_alerts():
    form = _SampleForm(data={"name": "", "agree": "on"})
    form.is_valid()

    html = Template('{% include "includes/form.html" %}').render(Context({"form": form}))

    assert 'role="alert"' in html
    assert "Something is wrong overall" in html
    assert '<label for="id_name">Name <span class="required" aria-hidden="true">*</span></label>' in html
    assert 'id="id_name_helptext"' in html
    assert 'id="id_name_error"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'class="field field-checkbox"' in html
    assert 'type="hidden" name="secret"' in html


def test_messages_are_shown_in_the_shell(client, organization, other_organization):
    user = UserFactory(username="two-orgs")
    PortalAccessFactory(user=user, organization=organization)
    PortalAccessFactory(user=user, organization=other_organization)
    client.force_login(user)

    response = client.post(reverse("portal:organization_switch"), {"organization": other_organization.pk}, follow=True)

    content = response.content.decode()
    assert 'class="message message-success"' in content
    assert other_organization.name in content


def test_page_heading_defaults_to_the_title_block():
    html = Template(
        '{% extends "dashboard/base.html" %}{% block title %}Organizations{% endblock %}'
        '{% block actions %}<a class="btn">New</a>{% endblock %}'
    ).render(Context({"nav_items": [], "request": RequestFactory().get("/")}))

    assert "<h1>Organizations</h1>" in html
    assert '<a class="btn">New</a>' in html


# --- Accounts -------------------------------------------------------------------------------


def test_login_signs_in_and_goes_home(client, viewer_user):
    response = client.post(reverse("login"), {"username": "staff-viewer", "password": "pass-word-123"})

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_login_with_a_wrong_password_shows_an_error(client, viewer_user):
    response = client.post(reverse("login"), {"username": "staff-viewer", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post_and_signs_out(client, viewer_user):
    client.force_login(viewer_user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_end_to_end(client, viewer_user):
    response = client.post(reverse("password_reset"), {"email": viewer_user.email})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "a-New-pass-2024", "new_password2": "a-New-pass-2024"}
    )

    assert response.status_code == 302
    assert response.url == reverse("password_reset_complete")
    viewer_user.refresh_from_db()
    assert viewer_user.check_password("a-New-pass-2024")


def test_password_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_with_a_bad_link_says_so(client, db):
    response = client.get(reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"}))

    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_password_change_keeps_the_old_password_when_the_form_is_wrong(client, viewer_user):
    client.force_login(viewer_user)

    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "a-New-pass-2024", "new_password2": "a-New-pass-2024"},
    )

    assert response.status_code == 200
    viewer_user.refresh_from_db()
    assert viewer_user.check_password("pass-word-123")


def test_password_change_saves_the_new_password(client, viewer_user):
    client.force_login(viewer_user)

    response = client.post(
        reverse("password_change"),
        {"old_password": "pass-word-123", "new_password1": "a-New-pass-2024", "new_password2": "a-New-pass-2024"},
    )

    assert response.url == reverse("password_change_done")
    viewer_user.refresh_from_db()
    assert viewer_user.check_password("a-New-pass-2024")


def test_password_change_needs_a_signed_in_user(client, db):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Error pages ----------------------------------------------------------------------------


def test_404_page_uses_the_site_style(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "/static/css/clac.css" in response.content.decode()
    assert f'href="{reverse("home")}"' in response.content.decode()


def test_403_page_uses_the_site_style(client, portal_editor):
    client.force_login(portal_editor)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 403
    assert "/static/css/clac.css" in response.content.decode()


def test_500_page_renders_without_a_request_context():
    from django.template import loader

    html = loader.get_template("500.html").render()

    assert "/static/css/clac.css" in html
    assert '<html lang="' in html


def test_a_user_with_no_access_page_offers_logout(client, db):
    client.force_login(UserFactory(username="lost"))

    response = client.get(reverse("home"))

    assert response.status_code == 403
    assert f'action="{reverse("logout")}"' in response.content.decode()
