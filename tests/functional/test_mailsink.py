"""``olympix mail-sink``: the development SMTP server writes each message to a folder."""
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage

from tests.conftest import free_port


def wait_for_port(port, process, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"mail sink did not listen on {port} within {seconds} s")


def test_each_message_lands_in_the_folder_as_an_eml_file(tmp_path):
    port, folder = free_port(), tmp_path / "mail"
    process = subprocess.Popen([sys.executable, "-m", "olympix.scripts.cli", "mail-sink", "--port", str(port),
                                "--folder", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        wait_for_port(port, process)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "olympix@example.test", "ada@example.test", "Code"
        message.set_content("Votre code : K7PQ2M")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(message)
        deadline = time.monotonic() + 10
        while not list(folder.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.05)
        files = list(folder.glob("*.eml"))
        assert len(files) == 1
        text = files[0].read_text()
        assert "Subject: Code" in text and "K7PQ2M" in text and "ada@example.test" in text
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert f"127.0.0.1:{port}" in output and "ada@example.test" in output
