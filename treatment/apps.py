from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "treatment"
    verbose_name = "Treatment sessions"

    def ready(self) -> None:
        # The calendars read each visit's note state with its appointment (one statement
        # fewer a week with attended visits); bookings does not import treatment.
        from bookings.selectors import read_note_state
        from treatment.selectors import calendar_note_state

        read_note_state(calendar_note_state)
