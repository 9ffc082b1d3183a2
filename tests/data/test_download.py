"""Tests for downloads: against a real HTTP server on 127.0.0.1 and file:// URLs."""

import hashlib
import http.server
import threading

import pytest

from data.download import fetch
from data.errors import DataError

PAYLOAD = b"review archive bytes " * 1000
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/cut.tar.gz":  # promises the whole file, sends a tenth, hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 10])
            self.wfile.flush()
            self.connection.close()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_good_download_is_verified_and_cached(server, tmp_path):
    path = fetch(f"{server}/aclImdb_v1.tar.gz", SHA, tmp_path)
    assert path.read_bytes() == PAYLOAD and path.name == "aclImdb_v1.tar.gz"
    assert fetch("http://127.0.0.1:1/unreachable.tar.gz", SHA, tmp_path, filename="aclImdb_v1.tar.gz") == path


def test_wrong_checksum_leaves_nothing_in_the_cache(server, tmp_path):
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch(f"{server}/aclImdb_v1.tar.gz", "0" * 64, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_transfer_is_an_error_and_leaves_nothing(server, tmp_path):
    with pytest.raises(DataError, match="interrupted"):
        fetch(f"{server}/cut.tar.gz", SHA, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_offline_error_says_how_to_pass_data_dir(tmp_path):
    with pytest.raises(DataError, match="pass --data-dir DIR"):
        fetch("http://127.0.0.1:1/aclImdb_v1.tar.gz", SHA, tmp_path, timeout=5)


def test_file_urls_work(tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(PAYLOAD)
    assert fetch(source.as_uri(), SHA, tmp_path / "cache").read_bytes() == PAYLOAD
