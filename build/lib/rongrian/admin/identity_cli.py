"""``rongrian keys repad-identities``: bring identity records stored before issue 13's fix (M2)
to the one fixed size, with the offline recovery key.

Identity records written before the fix were padded to 256-byte blocks, so their size told an
anonymous complaint (284 bytes) from a named one (540 bytes and more). New records all have one
size; this command re-encrypts the old ones to it (:func:`rongrian.intake.custody.repad_identities`)
without showing any identity to anyone. It is audited as a use of the recovery key. Exit codes:
0 done (also when nothing needed it), 2 not this installation's recovery key or unreadable key
(message in Thai and English; nothing changed), 1 installation not set up.
"""

import argparse
import sys

from rongrian.intake.custody import repad_identities
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import WrongRecoveryKey
from rongrian.settings import from_environment


def cmd_keys_repad_identities(args: argparse.Namespace) -> int:
    """Re-pad every identity record not yet of the fixed size; print how many."""
    # keys_cli registers this command, so it is imported here, not at the top (no cycle).
    from rongrian.admin.keys_cli import CommandFailed, read_recovery_key

    try:
        recovery = read_recovery_key(args.recovery_key_file)
    except CommandFailed as exc:
        print(f"ข้อผิดพลาด: {exc.th}\nError: {exc.en}", file=sys.stderr)
        return 2
    settings = from_environment()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        try:
            done = repad_identities(session, recovery)
        except WrongRecoveryKey:
            print("ข้อผิดพลาด: กุญแจกู้คืนนี้ไม่ใช่ของระบบนี้ ไม่มีการเปลี่ยนแปลงใด ๆ\n"
                  "Error: the recovery key does not belong to this installation; nothing was "
                  "changed", file=sys.stderr)
            return 2
        session.commit()
    print(f"ปรับขนาดข้อมูลผู้ร้องแล้ว {done} เรื่อง / identity records re-padded: {done}")
    return 0


def add_repad_command(keys: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``repad-identities`` to the ``rongrian keys`` command group."""
    parser = keys.add_parser("repad-identities",
                             help="with the recovery key: give identity records stored before "
                                  "the fixed size that size")
    parser.add_argument("--recovery-key-file", metavar="PATH",
                        help="read the recovery key from this file (else: prompt, not echoed)")
    parser.set_defaults(func=cmd_keys_repad_identities)
