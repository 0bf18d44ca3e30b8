"""Languages: Spanish by default, English, Portuguese (Brazil) and French, chosen by the
browser (Accept-Language) or by the user's saved choice, which wins. The strings asserted
here come from Django's own catalogue, so these tests do not depend on our locale files."""

import pytest
from django.conf import settings
from django.urls import reverse

from clac.models import User
from tests.factories import UserFactory, staff_user

# (language code, the <html lang> value, Django's translation of "Password")
LANGUAGES = [
    ("es", "es", "Contraseña"),
    ("en", "en", "Password"),
    ("pt-br", "pt-br", "Senha"),
    ("fr", "fr", "Mot de passe"),
]


@pytest.mark.parametrize(("accept", "lang", "password_label"), LANGUAGES)
def test_login_page_follows_the_browser_language(client, db, accept, lang, password_label):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept)

    content = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in content
    assert f">{password_label}" in content


def test_login_page_is_in_spanish_without_a_browser_preference(client, db):
    response = client.get(reverse("login"))

    assert '<html lang="es">' in response.content.decode()
    assert ">Contraseña" in response.content.decode()


@pytest.mark.parametrize(("saved", "lang", "password_label"), LANGUAGES)
def test_login_page_follows_the_users_saved_language_over_the_browser(client, db, saved, lang, password_label):
    # The browser asks for another language than the one the user saved.
    browser = "fr" if saved != "fr" else "es"
    user = UserFactory(username=f"user-{saved}", language=saved)
    client.force_login(user)
    # A signed-in page is in the user's language, whatever the browser says...
    dashboard = client.get("/", HTTP_ACCEPT_LANGUAGE=browser, follow=True)
    assert f'<html lang="{lang}">' in dashboard.content.decode()

    # ...and after signing out the login page keeps it.
    client.post(reverse("logout"), HTTP_ACCEPT_LANGUAGE=browser)
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=browser)

    content = response.content.decode()
    assert f'<html lang="{lang}">' in content
    assert f">{password_label}" in content


@pytest.mark.parametrize(("saved", "lang", "password_label"), LANGUAGES)
def test_signing_in_switches_to_the_users_saved_language(client, db, saved, lang, password_label):
    UserFactory(username=f"user-{saved}", language=saved)
    browser = "en" if saved != "en" else "es"

    response = client.post(
        reverse("login"),
        {"username": f"user-{saved}", "password": "pass-word-123"},
        HTTP_ACCEPT_LANGUAGE=browser,
    )
    assert response.status_code == 302
    # A page that shows the password label: the password change form.
    page = client.get(reverse("password_change"), HTTP_ACCEPT_LANGUAGE=browser)

    assert f'<html lang="{lang}">' in page.content.decode()


def test_language_switch_saves_the_choice_on_the_user_and_in_the_cookie(client, db):
    user = staff_user("viewer", language="es")
    client.force_login(user)

    response = client.post(reverse("language_switch"), {"language": "fr", "next": reverse("dashboard:home")})

    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    user.refresh_from_db()
    assert user.language == "fr"
    assert '<html lang="fr">' in client.get(reverse("dashboard:home")).content.decode()


def test_language_switch_works_for_anonymous_visitors(client, db):
    response = client.post(reverse("language_switch"), {"language": "pt-br", "next": reverse("login")})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="pt-br">' in page.content.decode()
    assert ">Senha" in page.content.decode()


def test_login_page_offers_the_language_switch(client, db):
    content = client.get(reverse("login")).content.decode()

    assert f'action="{reverse("language_switch")}"' in content
    for code, _name in settings.LANGUAGES:
        assert f'value="{code}"' in content


def test_language_switch_rejects_an_unknown_language_and_changes_nothing(client, db):
    user = staff_user("viewer", language="en")
    client.force_login(user)

    response = client.post(reverse("language_switch"), {"language": "de"})

    assert response.status_code == 400
    # The cookie, when written at all, still carries the saved language.
    cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    assert cookie is None or cookie.value == "en"
    user.refresh_from_db()
    assert user.language == "en"


def test_language_switch_does_not_redirect_to_another_site(client, db):
    response = client.post(reverse("language_switch"), {"language": "en", "next": "https://evil.example.com/"})

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_language_switch_needs_a_post(client, db):
    assert client.get(reverse("language_switch"), {"language": "en"}).status_code == 405


def test_saved_language_does_not_cost_an_extra_user_query(client, db, django_assert_num_queries):
    user = staff_user("viewer", language="fr")
    client.force_login(user)
    client.get(reverse("dashboard:home"))
    # The middleware's user lookup is reused by request.user: session + user, no second user.
    with django_assert_num_queries(2):
        client.get(reverse("login"))
    assert User.objects.get(pk=user.pk).language == "fr"
