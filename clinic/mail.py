"""Development email backend: print each message and keep a copy under var/mail/."""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(BaseEmailBackend):
    """Writes every message to standard output and to a file in EMAIL_FILE_PATH."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently)
        self.console = ConsoleBackend(fail_silently=fail_silently, **kwargs)
        self.file = FileBackend(fail_silently=fail_silently, **kwargs)

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        self.file.send_messages(email_messages)
        return self.console.send_messages(email_messages)
