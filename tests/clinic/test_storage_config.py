"""Uploads go to local files by default and to an S3-compatible store when the environment
says so; the backend is built from the environment without touching the network."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, StorageHandler
from storages.backends.s3 import S3Storage

from clinic.env import EnvReader
from config.storage import default_storage_config

S3_ENV = {
    "MEDIA_STORAGE": "s3",
    "MEDIA_S3_BUCKET": "apex-media",
    "MEDIA_S3_ENDPOINT_URL": "https://objects.example.net",
    "MEDIA_S3_REGION": "eu-west-2",
    "MEDIA_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "MEDIA_S3_SECRET_ACCESS_KEY": "not-a-real-secret",
    "MEDIA_S3_PREFIX": "uploads",
}


def build(env: dict):
    return StorageHandler({"default": default_storage_config(EnvReader(env))})["default"]


def test_it_stores_files_locally_by_default(db):
    assert isinstance(build({}), FileSystemStorage)
    assert isinstance(build({"MEDIA_STORAGE": "local"}), FileSystemStorage)


def test_it_builds_an_s3_store_from_the_environment():
    storage = build(S3_ENV)
    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == "apex-media"
    assert storage.endpoint_url == "https://objects.example.net"
    assert storage.region_name == "eu-west-2"
    assert storage.access_key == "AKIDEXAMPLE"
    assert storage.secret_key == "not-a-real-secret"
    assert storage.location == "uploads"
    assert storage.file_overwrite is False  # a replaced video keeps its file
    assert storage.default_acl == "private"


def test_it_leaves_keys_to_boto3_when_none_are_given():
    env = {k: v for k, v in S3_ENV.items() if "KEY" not in k}
    storage = build(env)
    assert storage.bucket_name == "apex-media"
    assert not storage.access_key
    assert not storage.secret_key


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"MEDIA_STORAGE": "ftp"}, "must be local or s3"),
        ({"MEDIA_STORAGE": "s3"}, "needs MEDIA_S3_BUCKET"),
        ({**S3_ENV, "MEDIA_S3_SECRET_ACCESS_KEY": ""}, "both MEDIA_S3_ACCESS_KEY_ID"),
        ({**S3_ENV, "MEDIA_S3_ENDPOINT_URL": "objects.example.net"}, "MEDIA_S3_ENDPOINT_URL"),
    ],
)
def test_it_refuses_an_incomplete_s3_configuration_by_name(env, words):
    with pytest.raises(ImproperlyConfigured, match=words):
        default_storage_config(EnvReader(env))


def test_it_stops_start_up_when_s3_is_asked_for_without_a_bucket():
    from tests.clinic.test_settings import _start

    result = _start(MEDIA_STORAGE="s3")
    assert result.returncode != 0
    assert "MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET" in result.stderr


def test_it_asks_the_s3_store_for_just_the_bytes_a_range_wants():
    """A phone's range request costs one ranged GET, never a download of the whole video."""
    from types import SimpleNamespace

    from botocore.response import StreamingBody
    from botocore.stub import Stubber
    from django.test import RequestFactory

    from clinic.byte_ranges import ranged_file_response

    storage = build(S3_ENV)
    stored = SimpleNamespace(storage=storage, name="exercises/videos/slider.webm")
    request = RequestFactory().get("/", headers={"Range": "bytes=100-103"})
    with Stubber(storage.connection.meta.client) as s3:
        s3.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(b"abcd"), 4), "ContentLength": 4},
            {
                "Bucket": "apex-media",
                "Key": "uploads/exercises/videos/slider.webm",
                "Range": "bytes=100-103",
            },
        )
        response = ranged_file_response(request, file=stored, size=5000, content_type="video/webm")
        assert response.status_code == 206
        assert response["Content-Range"] == "bytes 100-103/5000"
        assert b"".join(response.streaming_content) == b"abcd"
        s3.assert_no_pending_responses()
