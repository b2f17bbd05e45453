"""The deployment examples in ``deploy/`` (issue 7, section 2): systemd units that run commands
the CLI has, hardened, and an nginx site that keeps citizens' addresses out of its logs."""

import configparser
import shlex
import shutil
import subprocess
import textwrap
from pathlib import Path

import crossplane  # type: ignore[import-untyped]
import pytest

from rongrian.admin.cli import build_parser
from rongrian.admin.production import production_problems
from rongrian.settings import Secrets, Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SERVICES = sorted((DEPLOY / "systemd").glob("*.service"))
TIMERS = sorted((DEPLOY / "systemd").glob("*.timer"))
#: systemd.exec(5) options every service must set, and their values.
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
    "User": "rongrian",
}


def unit(path: Path) -> configparser.ConfigParser:
    """A systemd unit file read as INI (keys case-sensitive, a repeated key keeps the last)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def rongrian_arguments(exec_start: str) -> list[str]:
    """The arguments given to the ``rongrian`` program in an ``ExecStart=`` line (also inside
    ``/bin/sh -c '…'``); fails if it runs no ``rongrian``."""
    words = shlex.split(exec_start.replace("%%", "%"))
    if words[:2] == ["/bin/sh", "-c"]:
        words = shlex.split(words[2])
    words = [word for word in words if word != "exec"]
    at = next((i for i, word in enumerate(words) if word.endswith("/.venv/bin/rongrian")), None)
    assert at is not None, f"not a rongrian command: {exec_start}"
    return words[at + 1:]


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "rongrian.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_every_background_job_has_a_unit() -> None:
    names = {path.name for path in SERVICES + TIMERS}
    assert {"rongrian-web.service", "rongrian-line-worker.service",
            "rongrian-maintenance.service", "rongrian-maintenance.timer",
            "rongrian-backup.service", "rongrian-backup.timer",
            "rongrian-digest.service", "rongrian-digest.timer",
            "rongrian-report-send.service", "rongrian-report-send.timer"} <= names


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_each_service_runs_a_command_the_cli_has(path: Path) -> None:
    service = unit(path)
    assert {"Unit", "Service"} <= set(service.sections())
    arguments = rongrian_arguments(service["Service"]["ExecStart"])
    parsed = build_parser().parse_args(arguments)  # SystemExit (a failure) when unknown
    assert callable(parsed.func)
    assert service["Service"]["EnvironmentFile"] == "/etc/rongrian/rongrian.env"


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.name)
def test_each_service_is_hardened(path: Path) -> None:
    settings = unit(path)["Service"]
    for option, value in HARDENING.items():
        assert settings.get(option) == value, f"{path.name}: {option}={settings.get(option)!r}"
    writable = settings["ReadWritePaths"].split()
    assert "/var/lib/rongrian" in writable
    assert all(folder.startswith(("/var/lib/rongrian", "/var/backups/rongrian"))
               for folder in writable)


@pytest.mark.parametrize("path", TIMERS, ids=lambda path: path.name)
def test_each_timer_starts_its_service_even_after_downtime(path: Path) -> None:
    timer = unit(path)
    assert timer["Timer"]["OnCalendar"]
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert (path.parent / f"{path.stem}.service").exists()


@pytest.mark.parametrize(("name", "command", "when"), [
    ("rongrian-digest", ["digest", "send"], "Mon..Fri *-*-* 07:30:00 Asia/Bangkok"),
    ("rongrian-report-send", ["report-send", "--period", "last-quarter", "--kind", "both",
                              "--to", "executives"], "*-01,04,07,10-05 08:00:00 Asia/Bangkok"),
])
def test_mail_jobs_run_on_bangkok_mornings(name: str, command: list[str], when: str) -> None:
    """The digest and the quarterly report (issues 9 §2, 10 §4) run in the Bangkok morning,
    after midnight UTC, so "today" and "last-quarter" (UTC dates) are the Thai ones."""
    service = unit(DEPLOY / "systemd" / f"{name}.service")["Service"]
    assert rongrian_arguments(service["ExecStart"]) == command
    assert "AF_INET" in service["RestrictAddressFamilies"].split()  # reaches the relay
    assert unit(DEPLOY / "systemd" / f"{name}.timer")["Timer"]["OnCalendar"] == when
    analyse = shutil.which("systemd-analyze")
    if analyse:  # systemd's own reading of the calendar expression
        result = subprocess.run([analyse, "calendar", when],  # noqa: S603 - fixed arguments
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


def test_the_web_service_runs_several_workers_the_environment_allows() -> None:
    arguments = build_parser().parse_args(
        rongrian_arguments(unit(DEPLOY / "systemd/rongrian-web.service")["Service"]["ExecStart"]))
    assert arguments.command == "serve"
    assert arguments.workers > 1
    assert arguments.host == "127.0.0.1"  # only nginx reaches it
    env = env_example()
    settings = Settings(
        database_url=env["RONGRIAN_DATABASE_URL"], instance_path=Path(env["RONGRIAN_INSTANCE"]),
        secrets=Secrets(b"p" * 32, b"s" * 32, b"t" * 32),
        ratelimit_storage=env["RONGRIAN_RATELIMIT_STORAGE"], redis_url=env["RONGRIAN_REDIS_URL"],
        line_channel_secret="set", line_channel_access_token="set")
    assert production_problems(settings, arguments.workers) == []


def test_every_variable_of_the_environment_example_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = (DEPLOY / "rongrian.env.example").read_text(encoding="utf-8")
    names = {word.lstrip("#").partition("=")[0] for word in text.split()
             if word.lstrip("#").startswith("RONGRIAN_")}
    assert names
    assert sorted(name for name in names if f"`{name}`" not in readme) == []


# --- nginx ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nginx_servers(tmp_path_factory: pytest.TempPathFactory) -> list[list[dict[str, object]]]:
    """The ``server`` blocks of the site, parsed by crossplane inside an ``http`` block (so
    each directive's context is checked as nginx would)."""
    main = tmp_path_factory.mktemp("nginx") / "nginx.conf"
    main.write_text(textwrap.dedent(f"""\
        events {{}}
        http {{
            include {DEPLOY / "nginx" / "rongrian.conf"};
        }}
        """), encoding="utf-8")
    parsed = crossplane.parse(str(main))
    assert parsed["status"] == "ok", parsed["errors"]
    site = next(config for config in parsed["config"] if config["file"].endswith("rongrian.conf"))
    return [block["block"] for block in site["parsed"] if block["directive"] == "server"]


def directives(block: list[dict[str, object]], name: str) -> list[list[str]]:
    return [list(item["args"]) for item in block if item["directive"] == name]  # type: ignore[call-overload]


def locations(block: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    return {" ".join(item["args"]): item["block"]  # type: ignore[arg-type,misc]
            for item in block if item["directive"] == "location"}


def https_server(servers: list[list[dict[str, object]]]) -> list[dict[str, object]]:
    return next(server for server in servers if ["443", "ssl"] in directives(server, "listen"))


def test_nginx_keeps_no_access_log_and_no_detailed_error_log(
    nginx_servers: list[list[dict[str, object]]],
) -> None:
    assert len(nginx_servers) == 2
    for server in nginx_servers:
        assert directives(server, "access_log") == [["off"]]
        assert [args[-1] for args in directives(server, "error_log")] == ["crit"]


def test_nginx_passes_what_the_app_needs_and_nothing_forgeable(
    nginx_servers: list[list[dict[str, object]]],
) -> None:
    https = https_server(nginx_servers)
    assert directives(https, "client_max_body_size") == [["101m"]]  # 5 × 20 MB and the form
    main = locations(https)["/"]
    headers = {args[0]: args[1] for args in directives(main, "proxy_set_header")}
    assert headers["X-Forwarded-For"] == "$remote_addr"  # not $proxy_add_x_forwarded_for
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"
    assert directives(main, "proxy_pass") == [["http://rongrian"]]


def test_nginx_forwards_the_health_checks(nginx_servers: list[list[dict[str, object]]]) -> None:
    https = https_server(nginx_servers)
    found = locations(https)
    for path in ("/healthz", "/readyz", "/staff/healthz", "/staff/readyz"):
        assert directives(found[f"= {path}"], "proxy_pass") == [["http://rongrian"]]


def test_nginx_reaches_the_port_the_web_service_listens_on(tmp_path: Path) -> None:
    parsed = crossplane.parse(str(DEPLOY / "nginx" / "rongrian.conf"), single=True,
                              check_ctx=False)
    upstream = next(item for item in parsed["config"][0]["parsed"]
                    if item["directive"] == "upstream")
    servers = directives(upstream["block"], "server")
    arguments = build_parser().parse_args(
        rongrian_arguments(unit(DEPLOY / "systemd/rongrian-web.service")["Service"]["ExecStart"]))
    assert servers == [[f"{arguments.host}:{arguments.port}"]]
