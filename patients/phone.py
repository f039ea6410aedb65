"""The patient's phone number, parsed when something reads it rather than when the row is loaded.

`phonenumber_field` parses the stored text into a `PhoneNumber` as every row comes back (its
`from_db_value`), which costs the portal a parse on every page although no portal page shows the
number. The portal's own patient read (`patients.selectors.patient_of_portal_user`) reads the
column as plain text and keeps it as a `StoredNumber`; the field's descriptor parses it on first
read, into exactly what the ORM would have given (the same `to_python`, without a region, as
`from_db_value` calls it). Every other read and every write behaves as the library's own field.
"""

from __future__ import annotations

from phonenumber_field.modelfields import PhoneNumberDescriptor, PhoneNumberField
from phonenumber_field.phonenumber import to_python


class StoredNumber:
    """A phone number column's text as stored, not parsed yet."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __reduce__(self):
        return (StoredNumber, (self.text,))


class NumberParsedOnRead(PhoneNumberDescriptor):
    """The library's descriptor, which also takes a `StoredNumber` and parses it when read."""

    def __get__(self, instance, owner):
        if instance is not None:
            value = instance.__dict__.get(self.field.name)
            if type(value) is StoredNumber:
                parsed = instance.__dict__[self.field.name] = to_python(value.text)
                return parsed
        return super().__get__(instance, owner)


class PatientPhoneField(PhoneNumberField):
    """`PhoneNumberField` with `NumberParsedOnRead`. Migrations see the library's field (the
    column and its validation are the same), so this changes no schema."""

    descriptor_class = NumberParsedOnRead

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "phonenumber_field.modelfields.PhoneNumberField", args, kwargs


def keep_stored(instance, field_name: str, text: str | None) -> None:
    """Keep the column's stored `text` on `instance` under `field_name`, parsed on first read."""
    instance.__dict__[field_name] = StoredNumber(text) if text else text
