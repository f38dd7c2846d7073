"""Issue 15.9: the application talks to MariaDB over TLS, with a certificate the test made.

A mariadbd of the test's own requires secure transport; olympix reaches it
with ``olympix.db.ssl_ca`` / ``ssl_cert`` / ``ssl_key`` (migrations, then
a page that reads the database), refuses a server whose certificate another
CA signed, and a plain connection is refused by the server.
"""
import datetime
import ipaddress
import os

import pymysql
import pytest
import webtest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, text

from tests.integration.cluster.servers import PrivateServer


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path, key, cert):
    with open(path + ".key", "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                   serialization.NoEncryption()))
    with open(path + ".pem", "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(path + ".key", 0o644)  # the server runs as the mysql user


def make_ca(folder, name):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    _write(os.path.join(folder, name), key, cert)
    return key, cert


def make_leaf(folder, name, ca_key, ca_cert, server=False):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1)))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    _write(os.path.join(folder, name), key, builder.sign(ca_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def tls_server():
    """(server, certificate folder): a private mariadbd that only accepts TLS."""
    private = PrivateServer("tls")
    certs = os.path.join(private.folder, "certs")
    os.makedirs(certs)
    os.chmod(certs, 0o755)
    ca_key, ca_cert = make_ca(certs, "ca")
    make_leaf(certs, "server", ca_key, ca_cert, server=True)
    make_leaf(certs, "client", ca_key, ca_cert)
    make_ca(certs, "other-ca")
    private.server.options.update({"ssl_ca": os.path.join(certs, "ca.pem"),
                                   "ssl_cert": os.path.join(certs, "server.pem"),
                                   "ssl_key": os.path.join(certs, "server.key")})
    with private as server:
        with server.connect() as conn, conn.cursor() as cursor:
            cursor.execute("CREATE DATABASE olympix_tls CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            cursor.execute("SET GLOBAL require_secure_transport = ON")
        yield server, certs


def tls_settings(app_settings, server, certs, ca="ca"):
    return {**app_settings,
            "sqlalchemy.url": f"mysql+pymysql://root@127.0.0.1:{server.port}/olympix_tls?charset=utf8mb4",
            "olympix.db.ssl_ca": os.path.join(certs, f"{ca}.pem"),
            "olympix.db.ssl_cert": os.path.join(certs, "client.pem"),
            "olympix.db.ssl_key": os.path.join(certs, "client.key")}


def test_a_plain_connection_is_refused_by_the_server(tls_server):
    server, _certs = tls_server
    with pytest.raises(pymysql.err.OperationalError):
        pymysql.connect(host="127.0.0.1", port=server.port, user="root", password="", connect_timeout=5,
                        ssl_disabled=True).close()


def test_olympix_migrates_and_serves_over_tls(tls_server, app_settings, tmp_path):
    from olympix import main
    from tests.functional.helpers import olympix

    server, certs = tls_server
    settings = tls_settings(app_settings, server, certs)
    ini = tmp_path / "tls.ini"
    ini.write_text("[app:main]\nuse = egg:olympix\n" + "".join(
        f"{key} = {settings[key]}\n" for key in ("sqlalchemy.url", "olympix.session_secret", "olympix.code_pepper",
                                                 "olympix.data_keys", "olympix.ticket_keys", "olympix.db.ssl_ca",
                                                 "olympix.db.ssl_cert", "olympix.db.ssl_key")))
    done = olympix("db", "upgrade", str(ini))
    assert done.returncode == 0, done.stderr
    app = main({}, **settings)
    assert webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"}).get("/events").status_int == 200
    with app.registry["db_engine"].connect() as conn:
        cipher = conn.execute(text("SHOW SESSION STATUS LIKE 'Ssl_cipher'")).first()[1]
    assert cipher  # this very connection is encrypted


def test_a_server_certificate_from_another_ca_is_refused(tls_server, app_settings):
    from olympix.settings import parse

    server, certs = tls_server
    url = parse(tls_settings(app_settings, server, certs, ca="other-ca"))["sqlalchemy.url"]
    engine = create_engine(url)
    try:
        with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            with engine.connect():
                pass
    finally:
        engine.dispose()
