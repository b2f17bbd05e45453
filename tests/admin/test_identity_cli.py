"""``rongrian keys repad-identities``: identity records stored before the fixed size (issue 13,
M2) are given it with the recovery key; a wrong key changes nothing and says so in Thai and
English."""

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from rongrian.admin.cli import main
from rongrian.crypto import keys, sealed
from rongrian.intake import envelope
from rongrian.intake.custody import IDENTITY_BLOB_BYTES
from rongrian.intake.models import AuditEntry, Complaint
from rongrian.intake.store import file_complaint
from tests.admin.test_keys_cli import cli_env, key_file  # noqa: F401 - fixtures
from tests.conftest import Demo
from tests.intake.helpers import NOW, named, submission


def _file_as_before_the_fix(demo: Demo) -> None:
    """Two complaints whose identity records are padded to 256-byte blocks, as before."""
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    with demo.sessions() as session:
        for identity in (None, named()):
            receipt = file_complaint(session, os.urandom(32), submission(identity=identity),
                                     now=NOW)
            complaint = session.get_one(Complaint, receipt.complaint_id)
            identity_key = sealed.open_sealed(recovery, complaint.identity_key_recovery,
                                              envelope.identity_key_aad(complaint.id))
            record = envelope.decrypt_record(identity_key, complaint.identity,
                                             envelope.identity_aad(complaint.id))
            complaint.identity = envelope.encrypt_record(identity_key, record,
                                                         envelope.identity_aad(complaint.id))
        session.commit()


def _sizes(demo: Demo) -> set[int]:
    with demo.sessions() as session:
        return {len(blob) for blob in session.scalars(select(Complaint.identity))}


def test_repad_identities_with_the_recovery_key_file(
        cli_env: Demo, key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    _file_as_before_the_fix(cli_env)
    assert IDENTITY_BLOB_BYTES not in _sizes(cli_env)
    assert main(["keys", "repad-identities", "--recovery-key-file", str(key_file)]) == 0
    assert "identity records re-padded: 2" in capsys.readouterr().out
    assert _sizes(cli_env) == {IDENTITY_BLOB_BYTES}
    with cli_env.sessions() as session:
        assert session.scalars(select(AuditEntry.action)).all()[-1] == "recovery_key_used"


def test_a_wrong_recovery_key_repads_nothing(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    _file_as_before_the_fix(cli_env)
    before = _sizes(cli_env)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(keys.format_recovery_key(keys.generate_private_key()), encoding="utf-8")
    assert main(["keys", "repad-identities", "--recovery-key-file", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert "ข้อผิดพลาด:" in err
    assert "Error: the recovery key does not belong to this installation" in err
    assert _sizes(cli_env) == before
