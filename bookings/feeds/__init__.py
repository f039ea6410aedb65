"""Therapists' calendar subscription feeds: a private iCalendar URL per therapist."""
