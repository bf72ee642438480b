"""The image's files: the Dockerfile passes hadolint, and the seccomp profile it is run with lets
bubblewrap make its namespaces while still refusing what Docker's default refuses."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tests.helpers.paths import ROOT
from tests.helpers.tools import installed_tool

DOCKERFILE = ROOT / "Dockerfile"
SECCOMP = ROOT / "docker" / "seccomp-ldb.json"


def test_hadolint_finds_no_warning_or_error() -> None:
    reply = subprocess.run(
        [installed_tool("hadolint", "dev"), "--format", "json", "--no-fail", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert reply.returncode == 0, reply.stderr
    findings: list[dict[str, Any]] = json.loads(reply.stdout)
    serious = [f for f in findings if f["level"] in ("error", "warning")]
    assert serious == [], "\n".join(
        f"Dockerfile:{f['line']} {f['code']} {f['level']}: {f['message']}" for f in serious
    )


def unconditional(profile: dict[str, Any]) -> set[str]:
    """The syscalls any container run with the profile may make, whatever its arguments,
    capabilities or architecture."""
    allowed: set[str] = set()
    for rule in profile["syscalls"]:
        if rule["action"] == "SCMP_ACT_ALLOW" and not (
            rule.get("args") or rule.get("includes") or rule.get("excludes")
        ):
            allowed.update(rule["names"])
    return allowed


def test_the_seccomp_profile_allows_what_bubblewrap_needs() -> None:
    profile = json.loads(SECCOMP.read_text())
    allowed = unconditional(profile)
    assert {"clone", "unshare", "mount", "umount2", "pivot_root", "setns"} <= allowed
    # What Python and the service make all the time, as in Docker's default.
    assert {"read", "write", "openat", "execve", "wait4", "accept4"} <= allowed


def test_the_seccomp_profile_still_refuses_by_default() -> None:
    profile = json.loads(SECCOMP.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    assert profile.get("defaultErrnoRet", 1) == 1  # EPERM
    allowed = unconditional(profile)
    # Refused by Docker's default to every container, and still here.
    refused = {"kexec_load", "init_module", "reboot", "keyctl", "add_key", "bpf", "userfaultfd"}
    assert not refused & allowed
    clone3 = [rule for rule in profile["syscalls"] if "clone3" in rule["names"]]
    # clone3 fails with ENOSYS, so the C library falls back to clone.
    assert any(rule["action"] == "SCMP_ACT_ERRNO" and rule["errnoRet"] == 38 for rule in clone3)


def test_every_syscall_rule_has_the_shape_docker_reads() -> None:
    profile = json.loads(SECCOMP.read_text())
    known = {"names", "action", "args", "includes", "excludes", "comment", "errnoRet"}
    for rule in profile["syscalls"]:
        assert set(rule) <= known, rule
        assert rule["names"] and all(isinstance(name, str) for name in rule["names"])
        assert rule["action"] in ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO"), rule
