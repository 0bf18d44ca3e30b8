"""The public contact form in a real browser: a visitor on a phone switches the page to
Portuguese, sends a question and sees the confirmation (and gets the acknowledgement in
Portuguese); a member of the communications team answers it from the dashboard. No
Content-Security-Policy violation on the way, and the phone page does not scroll sideways."""

import re

from django.core import mail
from playwright.sync_api import expect

from clac.roles import StaffRole
from communications.models import Inquiry, InquiryMessage
from tests.factories import staff_user


def test_a_visitor_asks_in_portuguese_on_a_phone_and_staff_answers(pages, sign_in, settings):
    settings.CONTACT_MIN_FILL_SECONDS = 0  # a robot-fast browser is the point of this test
    staff_user(StaffRole.COMMUNICATIONS, username="camila", language="en")
    phone = pages.new(phone=True)

    phone.goto("/contact/")
    phone.locator("form.language-switch button[value='pt-br']").click()
    expect(phone.locator("html")).to_have_attribute("lang", "pt-br")
    phone.locator("select[name=category]").select_option("membership")
    phone.locator("textarea[name=message]").fill("Como a nossa associação de apicultores pode entrar na CLAC?")
    phone.locator("input[name=name]").fill("Ana Souza")
    phone.locator("input[name=email]").fill("ana.souza@example.org")
    phone.locator("input[name=consent]").check()
    phone.locator("form.contact-form button[type=submit]").click()

    expect(phone).to_have_url(re.compile(r"/contact/thanks/$"))
    expect(phone.locator("h1")).to_have_text("Obrigado, recebemos sua mensagem")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    inquiry = Inquiry.objects.get()
    assert (inquiry.language, inquiry.status) == ("pt-br", "new")
    assert [message.subject for message in mail.outbox] == [f"Recebemos sua mensagem (referência {inquiry.pk})"]

    desk = pages.new()
    sign_in(desk, "camila")
    desk.goto("/dashboard/inquiries/")
    desk.get_by_role("link", name="Ana Souza").click()
    desk.get_by_label("Reply to the sender").fill("Olá Ana! Enviamos os requisitos de adesão.")
    desk.get_by_role("button", name="Send the reply").click()
    expect(desk.locator(".messages")).to_contain_text("on its way")
    expect(desk.locator(".inquiry-entry-reply")).to_contain_text("Olá Ana! Enviamos os requisitos de adesão.")

    inquiry.refresh_from_db()
    assert inquiry.status == "answered"
    assert InquiryMessage.objects.get(inquiry=inquiry, kind="reply").delivery == "sent"
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["ana.souza@example.org"]
    assert pages.csp_violations() == []
