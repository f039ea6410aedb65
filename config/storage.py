"""Where uploaded files live (Django's `default` storage), read from the environment.

Local files under MEDIA_ROOT unless MEDIA_STORAGE=s3: then an S3-compatible object store
(AWS S3, MinIO, Ceph, Backblaze, Scaleway...) through django-storages
(clinic/storage.py adds reading one byte range). Objects are private and
never overwritten (a replaced demonstration video keeps its file); nothing is served from the
store's own address, since every file goes through a view that checks who is asking.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from clinic.env import EnvReader

LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def default_storage_config(env: EnvReader) -> dict:
    kind = env.str("MEDIA_STORAGE", "local").lower()
    if kind == "local":
        return LOCAL
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE={kind!r} must be local or s3.")
    bucket = env.str("MEDIA_S3_BUCKET")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET (the bucket's name).")
    options = {
        "bucket_name": bucket,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "location": env.str("MEDIA_S3_PREFIX", ""),
    }
    endpoint = env.raw("MEDIA_S3_ENDPOINT_URL")
    if endpoint:
        options["endpoint_url"] = env.url("MEDIA_S3_ENDPOINT_URL", "", schemes=("https", "http"))
    region = env.raw("MEDIA_S3_REGION")
    if region:
        options["region_name"] = region
    # Without keys boto3 looks further (an instance or task role, ~/.aws): both or neither.
    key_id, secret = env.raw("MEDIA_S3_ACCESS_KEY_ID"), env.raw("MEDIA_S3_SECRET_ACCESS_KEY")
    if bool(key_id) != bool(secret):
        raise ImproperlyConfigured(
            "Set both MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY, or neither."
        )
    if key_id:
        options["access_key"], options["secret_key"] = key_id, secret
    return {"BACKEND": "clinic.storage.RangedS3Storage", "OPTIONS": options}
