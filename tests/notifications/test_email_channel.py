"""The SMTP path against a real SMTP server on loopback: the point of no return is the dot."""

import pytest

from notifications import channels
from notifications.channels import EmailChannel, OutgoingMessage

MESSAGE = OutgoingMessage(
    to_email="sam@runners.example",
    to_phone="",
    subject="Time for today's exercises",
    text="Hello Sam\n.\nA line that starts with a dot stays intact.",
    html="<p>Hello Sam</p>",
    sms="",
    headers={"List-Unsubscribe": "<https://clinic.example/u/>"},
)


@pytest.fixture
def channel(smtp, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.port
    settings.EMAIL_USE_TLS = False
    email = EmailChannel()
    yield email
    email._drop_session()


def test_it_delivers_after_recording_the_handover(channel, smtp):
    handovers = []
    channel.send(MESSAGE, handover=lambda: handovers.append(smtp.count()) or True)
    assert handovers == [0]  # recorded before the server had the message
    [received] = smtp.messages
    assert received.rcpt_tos == ["sam@runners.example"]
    assert "\n.\nA line that starts with a dot" in received.text.replace("\r\n", "\n")
    assert received.message["List-Unsubscribe"] == "<https://clinic.example/u/>"


def test_a_refused_handover_leaves_nothing_at_the_server(channel, smtp):
    with pytest.raises(channels.HandoverRefused):
        channel.send(MESSAGE, handover=lambda: False)
    channel.send(MESSAGE, handover=lambda: True)
    assert smtp.count() == 1
    assert smtp.attempts == 1  # the abandoned message never reached the end of DATA


def test_it_keeps_one_session_for_several_messages(channel, smtp):
    for _ in range(3):
        channel.send(MESSAGE, handover=lambda: True)
    assert smtp.count() == 3
    assert smtp.sessions == 1


def test_it_reconnects_when_the_server_dropped_the_kept_session(channel, smtp):
    channel.send(MESSAGE, handover=lambda: True)
    channel._session.connection.sock.close()  # as if the server timed the session out
    channel.send(MESSAGE, handover=lambda: True)
    assert smtp.count() == 2


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("451 4.3.0 Try again later", channels.TransientError),
        ("550 5.1.1 No such mailbox", channels.PermanentError),
    ],
)
def test_it_classifies_the_servers_refusal(channel, smtp, answer, error):
    smtp.reply = lambda attempt: answer
    with pytest.raises(error, match=answer[:3]):
        channel.send(MESSAGE, handover=lambda: True)


def test_an_unreachable_server_is_a_transient_failure(channel, settings):
    from tests.notifications.integration import free_port

    settings.EMAIL_PORT = free_port()
    with pytest.raises(channels.TransientError, match="Could not reach"):
        channel.send(MESSAGE, handover=lambda: True)


@pytest.mark.parametrize(
    ("subject", "name", "unsubscribe"),
    [
        ("Time for today's exercises", "Sam", "<https://clinic.example/u/abc/>"),
        # non-ASCII words are encoded; a long header is folded over several lines
        ("Zeit für Ihre Übungen heute, Zoë", "Zoë Ørsted", "<https://clinic.example/u/>"),
        ("A subject " + "that goes on " * 12, "Sam", "<https://clinic.example/" + "u" * 120 + ">"),
    ],
)
def test_the_message_goes_out_exactly_as_django_writes_it(subject, name, unsubscribe):
    from django.core.mail import EmailMultiAlternatives

    def written(email):
        message = email.message()
        # the same message object both ways (Date and Message-ID are made by message())
        email.message = lambda: message
        return message.as_bytes(linesep="\r\n"), channels.message_bytes(email)

    for repeat in range(3):  # the second and third time the header lines come from the store
        email = EmailMultiAlternatives(
            subject=subject,
            body=f"Hello {name}\n.\nline {repeat}",
            from_email="Apex Clinic <clinic@apex.example>",
            to=[f"{name} <sam{repeat}@runners.example>"],
            headers={"List-Unsubscribe": unsubscribe, "Auto-Submitted": "auto-generated"},
        )
        email.attach_alternative(f"<p>Hello {name}</p>", "text/html")
        django_bytes, ours = written(email)
        assert ours == django_bytes
    assert b"=?utf-8?" in ours or subject.isascii()


def test_a_new_message_is_written_with_a_boundary_in_none_of_its_parts():
    import email

    from django.core.mail import EmailMultiAlternatives

    written = set()
    for _ in range(20):
        mail = EmailMultiAlternatives(
            subject="Time for today's exercises",
            body="Hello Sam\n--===============\nstill the text",
            from_email="Apex Clinic <clinic@apex.example>",
            to=["sam@runners.example"],
        )
        mail.attach_alternative("<p>Hello Sam</p>", "text/html")
        raw = channels.message_bytes(mail)
        parsed = email.message_from_bytes(raw)
        boundary = parsed.get_boundary()
        written.add(boundary)
        text, html = (part.get_payload(decode=True).decode() for part in parsed.get_payload())
        assert text.replace("\r\n", "\n") == "Hello Sam\n--===============\nstill the text"
        assert html == "<p>Hello Sam</p>"
        assert boundary not in text
        assert boundary not in html
    assert len(written) == 20  # random each time, as the standard library's


@pytest.mark.parametrize(
    ("stored", "expected"),
    [("+447700900123", "+447700900123"), ("", ""), (None, "")],
)
def test_a_reminder_carries_the_number_as_stored(stored, expected):
    from notifications.sending import _phone_text
    from patients.models import Patient

    patient = Patient(first_name="Sam", last_name="Ng", phone=stored)
    assert _phone_text(patient.phone) == expected


def test_a_number_typed_in_national_form_is_put_in_international_form():
    from phonenumber_field.phonenumber import to_python

    from notifications.sending import _phone_text

    assert _phone_text(to_python("07911 123456", region="GB")) == "+447911123456"
