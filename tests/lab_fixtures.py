"""pytest plugin: the SIP lab's fixtures (private Kamailio instances, simulated app users).

Load it with ``pytest_plugins = ["tests.lab_fixtures"]`` in the top-level conftest, or
``from tests.lab_fixtures import *`` in a folder's conftest. Every instance runs on free loopback
ports in a temp folder and is stopped (whole process group) and removed at teardown, also when
the test fails. Missing Kamailio/pjsua2 skips locally and FAILS under CI=true.

Fixtures:
* ``kamailio_lab`` (function): a running lab provisioned with ``LAB_CAST``, fresh for every test
  (Kamailio starts in a fraction of a second): no test sees another's registrations or calls.
* ``lab_factory`` (function): ``lab_factory(cast=True, **KamailioLab options)`` -> a fresh lab;
  ``backend="privateserver"`` gives a ``PrivateServerLab`` (MariaDB views, NRPE, console).
* ``user_agent_factory`` (function): ``user_agent_factory(lab, "alice", **UserAgent options)`` ->
  a started agent with the cast's password (``password=`` to override); all killed at teardown.
  ``network=`` runs it inside a client network's device namespace.
* ``client_network_factory`` (function): ``client_network_factory(lab, "home", **ClientNetwork
  options)`` -> a started client network (device + NAT router namespaces); all removed at
  teardown. Needs root, iproute2, nftables, conntrack: skips locally, FAILS under CI=true.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import require

#: the test cast: username -> (password, virtual number, provisioning fields)
LAB_CAST: dict[str, tuple[str, str, dict[str, Any]]] = {
    "alice": ("alice-pw", "+15550001", {"edition": "professional"}),
    "bob": ("bob-pw", "+15550002", {"edition": "enterprise"}),
    "carol": ("carol-pw", "+15550003", {"edition": "professional"}),
    "dave": ("dave-pw", "+15550004", {"edition": "professional", "disabled": True}),
    "svc-a": ("svc-a-pw", "+15559001", {"edition": "enterprise"}),
    "svc-b": ("svc-b-pw", "+15559002", {"edition": "enterprise"}),
}


def require_kamailio() -> None:
    require(
        shutil.which("kamailio", path="/usr/sbin:/usr/bin:/usr/local/sbin") is not None,
        "kamailio (apt-get install kamailio kamailio-tls-modules kamailio-sqlite-modules)",
    )


def require_pjsua2() -> None:
    from calltriage_lab.agents import pjsua2_available

    require(pjsua2_available(), "pjsua2 (pip install 'pjsua2-python==2.15.1.post1')")


def mariadb_reachable() -> bool:
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", connect_timeout=3).close()
    except pymysql.MySQLError:
        return False
    return True


def require_privateserver() -> None:
    """The PrivateServer lab's parts: Kamailio's MySQL module, NRPE and its plugins, check_nrpe,
    the machine's MariaDB server (root on 127.0.0.1:3306)."""
    require_kamailio()
    require(Path("/usr/lib/x86_64-linux-gnu/kamailio/modules/db_mysql.so").exists()
            or bool(list(Path("/usr/lib").glob("*/kamailio/modules/db_mysql.so"))),
            "kamailio-mysql-modules (apt-get install kamailio-mysql-modules)")
    require(shutil.which("nrpe", path="/usr/sbin:/usr/bin") is not None
            and Path("/usr/lib/nagios/plugins/check_mysql_query").exists(),
            "NRPE (apt-get install nagios-nrpe-server monitoring-plugins-basic monitoring-plugins-standard)")
    require(Path("/usr/lib/nagios/plugins/check_nrpe").exists(), "check_nrpe (apt-get install nagios-nrpe-plugin)")
    require(mariadb_reachable(), "MariaDB on 127.0.0.1:3306 (root, no password)")


def provision_cast(lab: Any) -> None:
    for user, (password, number, fields) in LAB_CAST.items():
        lab.add_account(user, password, number, **fields)


def _new_lab(directory: Path, cast: bool, options: dict[str, Any]) -> Any:
    from calltriage_lab import KamailioLab

    if options.pop("backend", "kamailio") == "privateserver":
        from calltriage_lab.privateserver import PrivateServerLab

        lab: Any = PrivateServerLab(directory, **options)
    else:
        lab = KamailioLab(directory, **options)
    try:
        lab.start()
        if cast:
            provision_cast(lab)
    except BaseException:
        lab.cleanup()
        raise
    return lab


@pytest.fixture
def kamailio_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    require_kamailio()
    lab = _new_lab(tmp_path_factory.mktemp("kamailio-lab"), True, {})
    try:
        yield lab
    finally:
        lab.cleanup()


@pytest.fixture
def ps_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh PrivateServer lab with the cast for one test (nothing one test does leaks into another)."""
    require_privateserver()
    lab = _new_lab(tmp_path_factory.mktemp("ps-lab"), True, {"backend": "privateserver"})
    try:
        yield lab
    finally:
        lab.cleanup()


@pytest.fixture
def lab_factory(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    require_kamailio()
    labs: list[Any] = []

    def make(cast: bool = True, **options: Any) -> Any:
        if options.get("backend") == "privateserver":
            require_privateserver()
        lab = _new_lab(tmp_path / f"lab{len(labs)}", cast, options)
        labs.append(lab)
        return lab

    try:
        yield make
    finally:
        for lab in labs:
            lab.cleanup()


@pytest.fixture
def user_agent_factory(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    require_pjsua2()
    from calltriage_lab.agents import UserAgent

    agents: list[Any] = []

    def make(lab: Any, user: str, password: str | None = None, **options: Any) -> Any:
        if password is None:
            password = LAB_CAST[user][0]
        options.setdefault("log_path", tmp_path / f"pjsip-{user}-{len(agents)}.log")
        agent = UserAgent(lab, user, password, **options)
        agents.append(agent)
        return agent.start()

    try:
        yield make
    finally:
        for agent in agents:
            agent.vanish()


def require_client_networks() -> None:
    from calltriage_lab.netcmd import unavailable_reason

    reason = unavailable_reason()
    require(reason is None, f"client networks (network namespaces): {reason}")


@pytest.fixture
def client_network_factory() -> Iterator[Callable[..., Any]]:
    require_client_networks()
    from calltriage_lab.clientnet import ClientNetwork

    networks: list[Any] = []

    def make(lab: Any, name: str = "home", **options: Any) -> Any:
        net = ClientNetwork(lab, name, **options)
        networks.append(net)
        return net.start()

    try:
        yield make
    finally:
        for net in networks:
            net.close()
